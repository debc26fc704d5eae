/* The entry point refuses every host. Expected: entry-returned-null. */
#include "fixture.h"

EXPORT const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

EXPORT const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    (void)host;
    return NULL;
}
