/* A correct plugin with the id fixture-duplicate, built twice (dup-a, dup-b). Expected: dup-a loads
 * (first in the search order), dup-b gets duplicate-id naming both files. */
#include "fixture.h"

EXPORT const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

static ewscheck_plugin_descriptor descriptor;

EXPORT const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    (void)host;
    fixture_descriptor(&descriptor, "fixture-duplicate", FIXTURE_MANIFEST("fixture-duplicate"));
    return &descriptor;
}
