/* A plugin as it was written against the ABI 1.0 header (Fixtures/abi-1.0): no export macro, NULL
 * for "not handled" and for failures alike. It must keep loading, and its hooks keep working, in a
 * host of a later minor revision. */
#include <stdlib.h>
#include <string.h>

#include "ewscheck_plugin.h"

__attribute__((visibility("default"))) const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

static ewscheck_plugin_descriptor descriptor;

static char *adjust_request(void *context, const char *input) {
    (void)context;
    if (strstr(input, "\"impersonated_mailbox\":null")) return NULL;
    return strdup("{\"set_headers\":{\"X-Old-Header\":\"1.0\"}}");
}

static void free_string(void *context, char *s) {
    (void)context;
    free(s);
}

__attribute__((visibility("default"))) const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    if (host != EWSCHECK_PLUGIN_ABI_VERSION) return NULL;
    memset(&descriptor, 0, sizeof descriptor);
    descriptor.abi_version = EWSCHECK_PLUGIN_ABI_VERSION;
    descriptor.struct_size = (uint32_t)sizeof descriptor;
    descriptor.plugin_id = "fixture-old-header";
    descriptor.plugin_version = "1.0.0";
    descriptor.manifest_json =
        "{\"manifest_version\":1,\"id\":\"fixture-old-header\",\"name\":\"Fixture old header\",\"version\":\"1.0.0\","
        "\"vendor\":\"ewscheck tests\",\"discovery\":{\"methods\":[{\"method\":\"fixed-url\","
        "\"url_template\":\"https://ews.{domain}/EWS/Exchange.asmx\"}]},\"auth\":{\"schemes\":[\"basic\"]},"
        "\"ews\":{\"request_server_version\":\"Exchange2016\"}}";
    descriptor.hook_threading = EWSCHECK_HOOKS_THREAD_SAFE;
    descriptor.adjust_request = adjust_request;
    descriptor.free_string = free_string;
    return &descriptor;
}
