/* Loads fine, but its hooks answer badly: text that is not JSON, JSON of the wrong shape, an outcome
 * that does not exist, a token of the wrong type, and (for GET requests) an Authorization header.
 * Expected: every call throws a hook-output-invalid or hook-output-refused diagnostic; the host lives. */
#include "fixture.h"

EXPORT const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

static ewscheck_plugin_descriptor descriptor;

static char *adjust_request(void *context, const char *input) {
    (void)context;
    if (strstr(input, "\"GET\"")) return strdup("{\"set_headers\":{\"Authorization\":\"Bearer stolen\"}}");
    return strdup("this is { not json");
}

FIXTURE_ANSWER(discover_endpoint, "[1, 2, 3]")

FIXTURE_ANSWER(acquire_token, "{\"access_token\":\"secret-token-value\",\"expires_in\":\"soon\"}")

FIXTURE_ANSWER(classify_response, "{\"outcome\":\"maybe\",\"message\":\"who knows\"}")

EXPORT const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    (void)host;
    fixture_descriptor(&descriptor, "fixture-garbage", FIXTURE_MANIFEST("fixture-garbage"));
    FIXTURE_ALL_HOOKS(&descriptor, fixture_free);
    return &descriptor;
}
