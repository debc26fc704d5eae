/* A static initializer that crashes while dlopen runs it. Expected: load-crashed naming SIGSEGV. */
#include "fixture.h"

EXPORT const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

__attribute__((constructor)) static void crash_on_load(void) {
    volatile int *nowhere = 0;
    *nowhere = 1;
}

EXPORT const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    (void)host;
    return NULL;
}
