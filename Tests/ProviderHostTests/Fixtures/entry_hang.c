/* The entry point never returns. Expected: entry-hung after the probe timeout; the probe is killed. */
#include <unistd.h>

#include "fixture.h"

EXPORT const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

EXPORT const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    (void)host;
    for (;;) sleep(1000);
}
