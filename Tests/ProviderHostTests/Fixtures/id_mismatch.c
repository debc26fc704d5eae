/* plugin_id says fixture-left, the manifest says fixture-right. Expected: id-mismatch naming both. */
#include "fixture.h"

EXPORT const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

static ewscheck_plugin_descriptor descriptor;

EXPORT const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    (void)host;
    fixture_descriptor(&descriptor, "fixture-left", FIXTURE_MANIFEST("fixture-right"));
    return &descriptor;
}
