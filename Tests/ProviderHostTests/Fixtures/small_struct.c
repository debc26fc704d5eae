/* The descriptor claims to be 8 bytes. Expected: descriptor-too-small naming 8 and the real size. */
#include "fixture.h"

EXPORT const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

static ewscheck_plugin_descriptor descriptor;

EXPORT const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    (void)host;
    fixture_descriptor(&descriptor, "fixture-small", FIXTURE_MANIFEST("fixture-small"));
    descriptor.struct_size = 8;
    return &descriptor;
}
