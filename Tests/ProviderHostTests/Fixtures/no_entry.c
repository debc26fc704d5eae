/* The version symbol, but no entry point. Expected: missing-entry. */
#include "fixture.h"

EXPORT const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

EXPORT int not_the_entry(void) { return 0; }
