/* A manifest with several problems. Expected: invalid-manifest listing each by JSON path:
 * auth.schemes[0], ews.request_server_version, ews.max_concurrency, colour (unknown key). */
#include "fixture.h"

EXPORT const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

static ewscheck_plugin_descriptor descriptor;

EXPORT const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    (void)host;
    fixture_descriptor(&descriptor, "fixture-bad-manifest",
        "{\"manifest_version\":1,\"id\":\"fixture-bad-manifest\",\"name\":\"Bad\",\"version\":\"1.0.0\","
        "\"vendor\":\"ewscheck tests\",\"colour\":\"blue\","
        "\"discovery\":{\"methods\":[{\"method\":\"pox-autodiscover\"}]},"
        "\"auth\":{\"schemes\":[\"kerberos\"]},"
        "\"ews\":{\"request_server_version\":\"Exchange2099X\",\"max_concurrency\":0}}");
    return &descriptor;
}
