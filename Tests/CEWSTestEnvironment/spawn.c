#define _GNU_SOURCE
#include "ewscheck_test_environment.h"

#include <errno.h>
#include <spawn.h>

/* glibc declares these only under _GNU_SOURCE, which Swift's Glibc module does not define. */

int ewscheck_test_spawn_addchdir(void *actions, const char *directory) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29))
    return posix_spawn_file_actions_addchdir_np((posix_spawn_file_actions_t *)actions, directory);
#else
    (void)actions; (void)directory;
    return ENOSYS;
#endif
}

int ewscheck_test_spawn_addclosefrom(void *actions, int lowest) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    return posix_spawn_file_actions_addclosefrom_np((posix_spawn_file_actions_t *)actions, lowest);
#else
    (void)actions; (void)lowest;
    return ENOSYS;
#endif
}
