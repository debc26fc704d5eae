// The version symbol every Swift plugin carries (linked in through the SDK; a C plugin defines its
// own, as plugins/examples/c-hoster does). The host reads it before running any plugin code.
#include "ewscheck_plugin.h"

EWSCHECK_PLUGIN_EXPORT __attribute__((used))
const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;
