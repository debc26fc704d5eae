/*
 * An ewscheck provider plugin written in C: a small hoster that runs Exchange 2016 behind its own
 * front end and wants every EWS request to name the customer tenant in X-Hoster-Tenant.
 *
 * It shows everything a C plugin needs: its own ewscheck_plugin_abi_version, an entry point that
 * builds the descriptor once (thread-safe) and returns the same pointer ever after, a manifest built
 * with json-c, and one hook that parses its JSON input with json-c and returns malloc'd JSON that the
 * host hands back to free_string.
 *
 * Build (what `make plugins-c` runs):
 *   cc -shared -fPIC -O2 -Wall -Wextra -Iplugins/abi/include \
 *      -o .build/plugins/libewscheck-c-hoster.so plugins/examples/c-hoster/c_hoster.c $(pkg-config --cflags --libs json-c)
 * Check it:
 *   .build/debug/ewscheck plugins verify .build/plugins/libewscheck-c-hoster.so
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ewscheck_plugin.h"

#define PLUGIN_ID "c-hoster"
#define PLUGIN_VERSION "1.0.0"

/* Read by the host before anything else runs; must equal the host's EWSCHECK_PLUGIN_ABI_VERSION. */
EWSCHECK_PLUGIN_EXPORT const uint32_t ewscheck_plugin_abi_version = EWSCHECK_PLUGIN_ABI_VERSION;

static ewscheck_plugin_descriptor descriptor;
static pthread_once_t descriptor_once = PTHREAD_ONCE_INIT;
static int descriptor_ready;

/* --- the manifest ------------------------------------------------------------------------------ */

static json_object *string_array(const char *const *items) {
    json_object *array = json_object_new_array();
    for (; *items; items++) json_object_array_add(array, json_object_new_string(*items));
    return array;
}

static json_object *discovery_method(const char *method, const char *url_template) {
    json_object *m = json_object_new_object();
    json_object_object_add(m, "method", json_object_new_string(method));
    if (url_template) json_object_object_add(m, "url_template", json_object_new_string(url_template));
    return m;
}

/* The profile, as a string that lives as long as the process (the descriptor points at it). */
static char *build_manifest(void) {
    json_object *root = json_object_new_object();
    json_object_object_add(root, "manifest_version", json_object_new_int(1));
    json_object_object_add(root, "id", json_object_new_string(PLUGIN_ID));
    json_object_object_add(root, "name", json_object_new_string("Example hoster (C plugin)"));
    json_object_object_add(root, "version", json_object_new_string(PLUGIN_VERSION));
    json_object_object_add(root, "vendor", json_object_new_string("ewscheck examples"));
    json_object_object_add(root, "description", json_object_new_string(
        "A hosted Exchange 2016 behind the hoster's own front end: fixed EWS URL per customer domain, "
        "Basic or NTLM for the service account, and the tenant named in X-Hoster-Tenant."));

    json_object *methods = json_object_new_array();
    json_object_array_add(methods, discovery_method("fixed-url", "https://ews.{domain}/EWS/Exchange.asmx"));
    json_object_array_add(methods, discovery_method("pox-autodiscover", NULL));
    json_object *discovery = json_object_new_object();
    json_object_object_add(discovery, "methods", methods);
    json_object_object_add(root, "discovery", discovery);

    static const char *const schemes[] = {"ntlm", "basic", NULL};
    static const char *const refused[] = {"digest", NULL};
    json_object *auth = json_object_new_object();
    json_object_object_add(auth, "schemes", string_array(schemes));
    json_object_object_add(auth, "refused_schemes", string_array(refused));
    json_object_object_add(root, "auth", auth);

    static const char *const required_headers[] = {"X-Hoster-Tenant", NULL};
    json_object *ews = json_object_new_object();
    json_object_object_add(ews, "request_server_version", json_object_new_string("Exchange2016"));
    json_object_object_add(ews, "minimum_server_version", json_object_new_string("15.1"));
    json_object_object_add(ews, "connecting_sid", json_object_new_string("primary-smtp-address"));
    json_object_object_add(ews, "required_headers", string_array(required_headers));
    json_object_object_add(ews, "max_concurrency", json_object_new_int(4));
    json_object_object_add(root, "ews", ews);

    json_object *deviation = json_object_new_object();
    json_object_object_add(deviation, "check", json_object_new_string("impersonation.out-of-scope.denied"));
    json_object_object_add(deviation, "reason", json_object_new_string(
        "the front end answers HTTP 403 before Exchange can return ErrorImpersonateUserDenied"));
    json_object *deviations = json_object_new_array();
    json_object_array_add(deviations, deviation);
    json_object_object_add(root, "known_deviations", deviations);

    json_object *notice = json_object_new_object();
    json_object_object_add(notice, "id", json_object_new_string("c-hoster-basic-auth-off"));
    json_object_object_add(notice, "date", json_object_new_string("2026-06-30"));
    json_object_object_add(notice, "kind", json_object_new_string("blocked"));
    json_object_object_add(notice, "summary", json_object_new_string("Basic authentication is switched off; NTLM remains."));
    json_object *notices = json_object_new_array();
    json_object_array_add(notices, notice);
    json_object_object_add(root, "readiness_notices", notices);

    char *text = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(root);
    return text;
}

/* --- the hook ---------------------------------------------------------------------------------- */

/* adjust_request: name the tenant (the impersonated mailbox's domain) in X-Hoster-Tenant.
 * Returns NULL ("change nothing") when the request impersonates nobody. Thread-safe: it only
 * touches objects it creates. */
static char *adjust_request(void *context, const char *input_json) {
    (void)context;
    json_object *input = json_tokener_parse(input_json);
    /* The error channel: say why instead of returning NULL (which would mean "change nothing"). */
    if (!input) return strdup("{\"error\":{\"message\":\"the input is not JSON\",\"code\":\"input-unreadable\"}}");

    char *result = NULL;
    json_object *mailbox;
    if (json_object_object_get_ex(input, "impersonated_mailbox", &mailbox) && json_object_is_type(mailbox, json_type_string)) {
        const char *at = strrchr(json_object_get_string(mailbox), '@');
        if (at && at[1]) {
            json_object *set_headers = json_object_new_object();
            json_object_object_add(set_headers, "X-Hoster-Tenant", json_object_new_string(at + 1));
            json_object *output = json_object_new_object();
            json_object_object_add(output, "set_headers", set_headers);
            result = strdup(json_object_to_json_string_ext(output, JSON_C_TO_STRING_PLAIN));
            json_object_put(output);
        }
    }
    json_object_put(input);
    return result;
}

static void free_string(void *context, char *string) {
    (void)context;
    free(string);
}

/* --- the entry point --------------------------------------------------------------------------- */

static void build_descriptor(void) {
    char *manifest = build_manifest();
    if (!manifest) return;
    descriptor.abi_version = EWSCHECK_PLUGIN_ABI_VERSION;
    descriptor.struct_size = (uint32_t)sizeof descriptor;
    descriptor.plugin_id = PLUGIN_ID;
    descriptor.plugin_version = PLUGIN_VERSION;
    descriptor.manifest_json = manifest; /* never freed: it lives as long as the process */
    descriptor.context = NULL;
    descriptor.hook_threading = EWSCHECK_HOOKS_THREAD_SAFE;
    descriptor.adjust_request = adjust_request;
    descriptor.free_string = free_string;
    descriptor_ready = 1;
}

EWSCHECK_PLUGIN_EXPORT
const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host_abi_version) {
    if (host_abi_version != EWSCHECK_PLUGIN_ABI_VERSION) return NULL;
    pthread_once(&descriptor_once, build_descriptor);
    return descriptor_ready ? &descriptor : NULL;
}
