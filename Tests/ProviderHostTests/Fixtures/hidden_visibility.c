/* Built with -fvisibility=hidden and no attribute of its own: the two symbols stay exported only
 * because ewscheck_plugin.h declares them with EWSCHECK_PLUGIN_EXPORT (fixture.h's EXPORT macro is
 * deliberately not used here). */
#include "fixture.h"

const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

static ewscheck_plugin_descriptor descriptor;

/* Hidden: not part of the ABI. */
int hidden_helper(void) { return 42; }

const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    if (host != EWSCHECK_PLUGIN_ABI_VERSION) return NULL;
    fixture_descriptor(&descriptor, "fixture-hidden", FIXTURE_MANIFEST("fixture-hidden"));
    return &descriptor;
}
