// The version symbol every plugin carries (linked in through the SDK; C plugins define their own
// with EWSCHECK_DEFINE_ABI_VERSION or by hand). The host reads it before running any plugin code.
#include "ewscheck_plugin.h"

__attribute__((visibility("default"), used))
const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;
