/* FROZEN COPY of plugins/abi/include/ewscheck_plugin.h as released before the error channel and the
 * export macro (ABI 1.0). Plugins built against it must keep loading: see OldHeaderPluginTests.
 *
 * ewscheck provider plugin ABI, version 1.
 *
 * A provider plugin is a shared object that describes one Exchange hoster: how to find its EWS
 * endpoint, how to authenticate, which headers and versions it needs, which deviations are known,
 * and which dated readiness facts apply. Everything crosses this boundary as plain C and UTF-8
 * JSON, so a plugin can be written in any language (Swift through the SDK in plugins/sdk, C with
 * json-c as in plugins/examples/c-hoster) and a plugin built against another SDK build still loads.
 *
 * Loading, in order (the host stops at the first problem and reports it):
 *   1. dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE), first in a child process (a broken
 *      file or a crashing or hanging entry must not take the host down), then in the host.
 *   2. dlsym("ewscheck_plugin_abi_version"): a const uint32_t; must equal the host's
 *      EWSCHECK_PLUGIN_ABI_VERSION. Nothing of the plugin has run yet at this point.
 *   3. dlsym("ewscheck_plugin_entry") and call it with the host's ABI version. It returns a pointer
 *      to a descriptor that lives as long as the process, or NULL to refuse the host.
 *   4. struct_size must be at least the size of the version-1 descriptor; fields beyond what the
 *      host knows are ignored (a later minor revision may append fields, never reorder them).
 *   5. manifest_json is validated against plugins/manifest.schema.json; plugin_id must equal its "id".
 *
 * Plugins are never unloaded.
 *
 * Hooks. Each hook is optional (NULL = not provided). The host passes a NUL-terminated UTF-8 JSON
 * object and the plugin returns either NULL ("nothing to change / not handled") or a
 * NUL-terminated UTF-8 JSON object allocated by the plugin, which the host releases with
 * free_string. A hook must not keep the input pointer after it returns and must not call back
 * into the host. If hook_threading is EWSCHECK_HOOKS_THREAD_SAFE the host may call hooks from
 * several threads at once; with EWSCHECK_HOOKS_SERIALIZED it calls at most one hook of this plugin
 * at a time. The JSON of each hook is documented in docs/writing-a-provider-plugin.md.
 */
#ifndef EWSCHECK_PLUGIN_H
#define EWSCHECK_PLUGIN_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes. */
#define EWSCHECK_PLUGIN_ABI_VERSION 1u

/** Symbol names the host looks up. */
#define EWSCHECK_PLUGIN_ABI_VERSION_SYMBOL "ewscheck_plugin_abi_version"
#define EWSCHECK_PLUGIN_ENTRY_SYMBOL "ewscheck_plugin_entry"

/** hook_threading values. */
#define EWSCHECK_HOOKS_SERIALIZED 0u
#define EWSCHECK_HOOKS_THREAD_SAFE 1u

/** A hook: JSON in, JSON out (or NULL). See the comment at the top. */
typedef char *(*ewscheck_hook_fn)(void *context, const char *input_json);

/** Releases a string a hook returned. */
typedef void (*ewscheck_free_string_fn)(void *context, char *string);

/** What a plugin exports, version 1. */
typedef struct ewscheck_plugin_descriptor {
    uint32_t abi_version;          /* EWSCHECK_PLUGIN_ABI_VERSION the plugin was built against */
    uint32_t struct_size;          /* sizeof(ewscheck_plugin_descriptor) as the plugin saw it */
    const char *plugin_id;         /* equals the manifest's "id" */
    const char *plugin_version;    /* equals the manifest's "version" */
    const char *manifest_json;     /* the profile, UTF-8 JSON; lives as long as the process */
    void *context;                 /* passed back to every hook and to free_string */
    uint32_t hook_threading;       /* EWSCHECK_HOOKS_SERIALIZED or EWSCHECK_HOOKS_THREAD_SAFE */
    uint32_t reserved;             /* 0 */
    ewscheck_hook_fn adjust_request;     /* change headers or URL of a request before it is sent */
    ewscheck_hook_fn discover_endpoint;  /* find the EWS URL for an address in a custom way */
    ewscheck_hook_fn acquire_token;      /* obtain a bearer token in a custom way */
    ewscheck_hook_fn classify_response;  /* map a hoster's odd answer to a standard outcome */
    ewscheck_free_string_fn free_string; /* required when any hook is set */
} ewscheck_plugin_descriptor;

/** The entry point's type. */
typedef const ewscheck_plugin_descriptor *(*ewscheck_plugin_entry_fn)(uint32_t host_abi_version);

/*
 * The two symbols a plugin exports. Declared here so a C plugin's definitions are checked against
 * them at compile time. The entry runs twice per plugin and host process pair: once in the probe
 * child, once in the host; it may be called more than once and must have no side effects beyond
 * building its descriptor.
 */
extern const uint32_t ewscheck_plugin_abi_version;
const ewscheck_plugin_descriptor *ewscheck_plugin_entry(uint32_t host_abi_version);

#ifdef __cplusplus
}
#endif

#endif /* EWSCHECK_PLUGIN_H */
