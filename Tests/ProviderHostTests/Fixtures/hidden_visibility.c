/* Built with -fvisibility=hidden and no attribute of its own: the two symbols stay exported only
 * because ewscheck_plugin.h declares them with EWSCHECK_PLUGIN_EXPORT. */
#include <string.h>

#include "ewscheck_plugin.h"

const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

static ewscheck_plugin_descriptor descriptor;

/* Hidden: not part of the ABI. */
int hidden_helper(void) { return 42; }

const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host) {
    if (host != EWSCHECK_PLUGIN_ABI_VERSION) return NULL;
    memset(&descriptor, 0, sizeof descriptor);
    descriptor.abi_version = EWSCHECK_PLUGIN_ABI_VERSION;
    descriptor.struct_size = (uint32_t)sizeof descriptor;
    descriptor.plugin_id = "fixture-hidden";
    descriptor.plugin_version = "1.0.0";
    descriptor.manifest_json =
        "{\"manifest_version\":1,\"id\":\"fixture-hidden\",\"name\":\"Fixture hidden\",\"version\":\"1.0.0\","
        "\"vendor\":\"ewscheck tests\",\"discovery\":{\"methods\":[{\"method\":\"fixed-url\","
        "\"url_template\":\"https://ews.{domain}/EWS/Exchange.asmx\"}]},\"auth\":{\"schemes\":[\"basic\"]},"
        "\"ews\":{\"request_server_version\":\"Exchange2016\"}}";
    return &descriptor;
}
