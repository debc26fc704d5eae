/* Shared by the test fixtures: export macro, a valid manifest, a descriptor filler. */
#ifndef EWSCHECK_FIXTURE_H
#define EWSCHECK_FIXTURE_H

#include <stdlib.h>
#include <string.h>

#include "ewscheck_plugin.h"

#define EXPORT __attribute__((visibility("default")))

#ifndef FIXTURE_ID
#define FIXTURE_ID "fixture-good"
#endif

/* A manifest ProviderManifest.parse accepts, with the given id. */
#define FIXTURE_MANIFEST(id)                                                                            \
    "{\"manifest_version\":1,\"id\":\"" id "\",\"name\":\"Fixture " id "\",\"version\":\"1.0.0\","     \
    "\"vendor\":\"ewscheck tests\",\"discovery\":{\"methods\":[{\"method\":\"fixed-url\","              \
    "\"url_template\":\"https://ews.{domain}/EWS/Exchange.asmx\"}]},\"auth\":{\"schemes\":[\"basic\"]}," \
    "\"ews\":{\"request_server_version\":\"Exchange2016\"}}"

static inline void fixture_descriptor(ewscheck_plugin_descriptor *d, const char *id, const char *manifest) {
    memset(d, 0, sizeof *d);
    d->abi_version = EWSCHECK_PLUGIN_ABI_VERSION;
    d->struct_size = (uint32_t)sizeof *d;
    d->plugin_id = id;
    d->plugin_version = "1.0.0";
    d->manifest_json = manifest;
    d->hook_threading = EWSCHECK_HOOKS_SERIALIZED;
}

/* A hook that answers `json` whatever it is asked. */
#define FIXTURE_ANSWER(name, json)                               \
    static char *name(void *context, const char *input) {        \
        (void)context;                                           \
        (void)input;                                             \
        return strdup(json);                                     \
    }

/* Points the descriptor at the file's four hooks, named after their fields, and at `release` to free
 * what they return (the set-up every fixture with all four hooks shares). */
#define FIXTURE_ALL_HOOKS(d, release)                  \
    do {                                               \
        (d)->adjust_request = adjust_request;          \
        (d)->discover_endpoint = discover_endpoint;    \
        (d)->acquire_token = acquire_token;            \
        (d)->classify_response = classify_response;    \
        (d)->free_string = (release);                  \
    } while (0)

static inline char *fixture_strdup(const char *s) { return strdup(s); }

static inline void fixture_free(void *context, char *s) {
    (void)context;
    free(s);
}

#endif
