/* The entry point writes through a NULL pointer. Expected: entry-crashed naming SIGSEGV.
 * (Compiled without optimisation, so the store is emitted as written.) */
#include "fixture.h"

EXPORT const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

EXPORT const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    volatile int *nowhere = 0;
    *nowhere = (int)host;
    return NULL;
}
