/* Provides a hook but no free_string. Expected: descriptor-invalid saying free_string is NULL. */
#include "fixture.h"

EXPORT const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

static ewscheck_plugin_descriptor descriptor;

static char *adjust_request(void *context, const char *input) {
    (void)context;
    (void)input;
    return NULL;
}

EXPORT const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    (void)host;
    fixture_descriptor(&descriptor, "fixture-no-free", FIXTURE_MANIFEST("fixture-no-free"));
    descriptor.adjust_request = adjust_request;
    return &descriptor;
}
