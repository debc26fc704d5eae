#ifndef CEWSCURL_SHIM_H
#define CEWSCURL_SHIM_H
// Typed wrappers over libcurl's variadic setopt/getinfo, which Swift cannot call, and the
// CURLAUTH_* macros, which Swift does not import. Only EWSTransport imports this module.
// libssl only to read the negotiated protocol and cipher of libcurl's own OpenSSL session.
#include <curl/curl.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <sys/types.h>

static const unsigned long CEWS_CURLAUTH_BASIC = CURLAUTH_BASIC;
static const unsigned long CEWS_CURLAUTH_DIGEST = CURLAUTH_DIGEST;
static const unsigned long CEWS_CURLAUTH_NTLM = CURLAUTH_NTLM;
static const unsigned long CEWS_CURLAUTH_NEGOTIATE = CURLAUTH_NEGOTIATE;
static const unsigned long CEWS_CURLAUTH_BEARER = CURLAUTH_BEARER;
static const unsigned long CEWS_CURLAUTH_NONE = CURLAUTH_NONE;
static const long CEWS_CURL_HTTP_VERSION_1_1 = CURL_HTTP_VERSION_1_1;
static const long CEWS_CURL_SSLVERSION_TLSv1_2 = CURL_SSLVERSION_TLSv1_2;
static const long CEWS_CURLPROTO_HTTP = CURLPROTO_HTTP;
static const long CEWS_CURLPROTO_HTTPS = CURLPROTO_HTTPS;

typedef size_t (*cews_curl_data_cb)(char *ptr, size_t size, size_t nmemb, void *userdata);
typedef int (*cews_curl_debug_cb)(CURL *handle, curl_infotype type, char *data, size_t size, void *userptr);
typedef int (*cews_curl_xferinfo_cb)(void *userdata, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow);

static inline CURLcode cews_setopt_long(CURL *h, CURLoption o, long v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cews_setopt_off(CURL *h, CURLoption o, curl_off_t v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cews_setopt_string(CURL *h, CURLoption o, const char *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cews_setopt_pointer(CURL *h, CURLoption o, void *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cews_setopt_slist(CURL *h, CURLoption o, struct curl_slist *v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cews_setopt_data_cb(CURL *h, CURLoption o, cews_curl_data_cb v) { return curl_easy_setopt(h, o, v); }
static inline CURLcode cews_setopt_debug_cb(CURL *h, cews_curl_debug_cb v) { return curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, v); }
static inline CURLcode cews_setopt_xferinfo_cb(CURL *h, cews_curl_xferinfo_cb v) { return curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, v); }
static inline CURLcode cews_setopt_unsigned(CURL *h, CURLoption o, unsigned long v) { return curl_easy_setopt(h, o, v); }

/// The linked libcurl's version (`7.88.1`) and its number (0x075801); curl_version_info's
/// CURLVERSION_NOW is a macro Swift cannot see.
static inline const char *cews_curl_version(void) { return curl_version_info(CURLVERSION_NOW)->version; }
static inline unsigned int cews_curl_version_num(void) { return curl_version_info(CURLVERSION_NOW)->version_num; }

static inline CURLcode cews_getinfo_long(CURL *h, CURLINFO i, long *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode cews_getinfo_double(CURL *h, CURLINFO i, double *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode cews_getinfo_off(CURL *h, CURLINFO i, curl_off_t *v) { return curl_easy_getinfo(h, i, v); }
static inline CURLcode cews_getinfo_string(CURL *h, CURLINFO i, char **v) { return curl_easy_getinfo(h, i, v); }

/// The OpenSSL session of the handle's connection (CURLINFO_TLS_SSL_PTR), or NULL when there is
/// none or libcurl was built with another TLS library. Only while the connection is attached to
/// the handle, that is inside a callback of its transfer: a finished transfer (CONNECT_ONLY too)
/// has handed its connection back to the cache.
static inline SSL *cews_tls_session(CURL *h) {
    struct curl_tlssessioninfo *info = NULL;
    if (curl_easy_getinfo(h, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || info == NULL) return NULL;
    if (info->backend != CURLSSLBACKEND_OPENSSL || info->internals == NULL) return NULL;
    return (SSL *)info->internals;
}

/// The negotiated protocol and cipher suite of a transfer's connection, as OpenSSL names them
/// (`TLSv1.3`, `TLS_AES_256_GCM_SHA384`; `ECDHE-RSA-AES128-GCM-SHA256` under TLS 1.2), read by
/// the transfer's pre-request callback, once the connection (and its handshake) is up.
typedef struct {
    CURL *handle;
    char protocol[32];
    char cipher[128];
} cews_tls_names;

static inline int cews_tls_names_prereq(void *clientp, char *primary_ip, char *local_ip, int primary_port, int local_port) {
    (void)primary_ip; (void)local_ip; (void)primary_port; (void)local_port;
    cews_tls_names *names = (cews_tls_names *)clientp;
    SSL *ssl = cews_tls_session(names->handle);
    if (ssl != NULL) {
        const char *version = SSL_get_version(ssl);
        const SSL_CIPHER *cipher = SSL_get_current_cipher(ssl);
        const char *cipherName = cipher ? SSL_CIPHER_get_name(cipher) : NULL;
        if (version) snprintf(names->protocol, sizeof names->protocol, "%s", version);
        if (cipherName) snprintf(names->cipher, sizeof names->cipher, "%s", cipherName);
    }
    return CURL_PREREQFUNC_OK;
}

/// Has `h`'s next transfer fill `names` (NULL: stop); `names->handle` must be `h`.
static inline CURLcode cews_setopt_tls_names(CURL *h, cews_tls_names *names) {
    CURLcode code = curl_easy_setopt(h, CURLOPT_PREREQFUNCTION, names ? cews_tls_names_prereq : NULL);
    if (code == CURLE_OK) code = curl_easy_setopt(h, CURLOPT_PREREQDATA, (void *)names);
    return code;
}

static inline const char *cews_tls_names_protocol(const cews_tls_names *names) { return names->protocol[0] ? names->protocol : NULL; }
static inline const char *cews_tls_names_cipher(const cews_tls_names *names) { return names->cipher[0] ? names->cipher : NULL; }

#endif
