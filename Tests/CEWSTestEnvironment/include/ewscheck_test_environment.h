#ifndef EWSCHECK_TEST_ENVIRONMENT_H
#define EWSCHECK_TEST_ENVIRONMENT_H

/// The KRB5_CONFIG path this test process was given before main ran (MIT Kerberos reads only the
/// environment). Setting it later, while other tests spawn processes, races with their reading
/// of the environment and crashes them.
const char *ewscheck_test_krb5_config(void);

/// posix_spawn_file_actions_addchdir_np on a `posix_spawn_file_actions_t *` (ENOSYS where glibc lacks it).
int ewscheck_test_spawn_addchdir(void *actions, const char *directory);

/// posix_spawn_file_actions_addclosefrom_np on a `posix_spawn_file_actions_t *`: the child closes every
/// descriptor from `lowest` up, so it inherits none of the test runner's sockets (ENOSYS where glibc lacks it).
int ewscheck_test_spawn_addclosefrom(void *actions, int lowest);

#endif
