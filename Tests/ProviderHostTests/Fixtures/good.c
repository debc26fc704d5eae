/* A correct plugin with all four hooks. adjust_request notices overlapping calls (another call of
 * this image still inside the hook) and reports it in X-Overlap, so the tests can prove the host
 * serialises a plugin that asks for it. Built twice: serialized (FIXTURE_ID "fixture-good") and with
 * -DTHREAD_SAFE (FIXTURE_ID "fixture-thread-safe"), the control that shows overlap is detectable. */
#include <stdio.h>
#include <unistd.h>

#include "fixture.h"

EXPORT const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

static int inside;
static ewscheck_plugin_descriptor descriptor;

static char *adjust_request(void *context, const char *input) {
    (void)context;
    (void)input;
    int overlap = __atomic_add_fetch(&inside, 1, __ATOMIC_SEQ_CST) > 1;
    usleep(2000);
    __atomic_sub_fetch(&inside, 1, __ATOMIC_SEQ_CST);
    char buffer[200];
    snprintf(buffer, sizeof buffer, "{\"set_headers\":{\"X-Fixture\":\"%s\",\"X-Overlap\":\"%d\"},\"remove_headers\":[\"X-Debug\"]}",
             FIXTURE_ID, overlap);
    return strdup(buffer);
}

FIXTURE_ANSWER(discover_endpoint, "{\"ews_url\":\"https://ews.example.com/EWS/Exchange.asmx\",\"notes\":[\"from the fixture\"]}")

FIXTURE_ANSWER(acquire_token, "{\"access_token\":\"fixture-token\",\"expires_in\":3600}")

static char *classify_response(void *context, const char *input) {
    (void)context;
    /* Declines (NULL) unless asked about the out-of-scope check. */
    if (!strstr(input, "impersonation.out-of-scope.denied")) return NULL;
    return strdup("{\"outcome\":\"expected_failure\",\"message\":\"the fixture hoster answers 403\"}");
}

EXPORT const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    if (host != EWSCHECK_PLUGIN_ABI_VERSION) return NULL;
    fixture_descriptor(&descriptor, FIXTURE_ID, FIXTURE_MANIFEST(FIXTURE_ID));
#ifdef THREAD_SAFE
    descriptor.hook_threading = EWSCHECK_HOOKS_THREAD_SAFE;
#endif
    FIXTURE_ALL_HOOKS(&descriptor, fixture_free);
    return &descriptor;
}
