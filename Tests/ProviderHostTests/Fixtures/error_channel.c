/* The error channel of ABI 1.1: every hook answers {"error": ...} in its own way, so the tests can
 * prove the host names the failure (and never shows acquire_token's message). classify_response
 * answers an "error" of the wrong shape, adjust_request an error with an empty message when the
 * request impersonates nobody. */
#include "fixture.h"

EXPORT const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

static ewscheck_plugin_descriptor descriptor;

static char *adjust_request(void *context, const char *input) {
    (void)context;
    if (strstr(input, "\"impersonated_mailbox\":null"))
        return strdup("{\"error\":{\"message\":\"  \"}}");
    return strdup("{\"error\":{\"message\":\"the tenant directory is\\nunreachable\",\"code\":\"directory-unreachable\"}}");
}

FIXTURE_ANSWER(discover_endpoint, "{\"error\":{\"message\":\"no tenant for this domain\"}}")

static char *acquire_token(void *context, const char *input) {
    (void)context;
    (void)input;
    /* A careless plugin quoting its secret: the host must not show it. */
    return strdup("{\"error\":{\"message\":\"login refused for secret s3cr3t-value\",\"code\":\"login-refused\"}}");
}

FIXTURE_ANSWER(classify_response, "{\"error\":\"just a string\"}")

EXPORT const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    if (host != EWSCHECK_PLUGIN_ABI_VERSION) return NULL;
    fixture_descriptor(&descriptor, "fixture-error-channel", FIXTURE_MANIFEST("fixture-error-channel"));
    FIXTURE_ALL_HOOKS(&descriptor, fixture_free);
    return &descriptor;
}
