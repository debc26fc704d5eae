#ifndef CEWSCURL_SHIM_H
#define CEWSCURL_SHIM_H
// Typed wrappers over libcurl's variadic setopt/getinfo, which Swift cannot call, and the
// CURLAUTH_* macros, which Swift does not import. Only EWSTransport imports this module.
// libssl only to read the negotiated protocol and cipher of libcurl's own OpenSSL session.
#include <curl/curl.h>
#include <openssl/ssl.h>
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
/// none or libcurl was built with another TLS library. Valid while the connection is open (a
/// CONNECT_ONLY handle keeps it open until curl_easy_cleanup).
static inline SSL *cews_tls_session(CURL *h) {
    struct curl_tlssessioninfo *info = NULL;
    if (curl_easy_getinfo(h, CURLINFO_TLS_SSL_PTR, &info) != CURLE_OK || info == NULL) return NULL;
    if (info->backend != CURLSSLBACKEND_OPENSSL || info->internals == NULL) return NULL;
    return (SSL *)info->internals;
}

/// The negotiated protocol of the handle's connection (`TLSv1.3`), as OpenSSL names it; NULL when unknown.
static inline const char *cews_tls_protocol(CURL *h) {
    SSL *ssl = cews_tls_session(h);
    return ssl ? SSL_get_version(ssl) : NULL;
}

/// The negotiated cipher suite (`TLS_AES_256_GCM_SHA384`, `ECDHE-RSA-AES128-GCM-SHA256`), as
/// OpenSSL names it; NULL when unknown.
static inline const char *cews_tls_cipher(CURL *h) {
    SSL *ssl = cews_tls_session(h);
    const SSL_CIPHER *cipher = ssl ? SSL_get_current_cipher(ssl) : NULL;
    return cipher ? SSL_CIPHER_get_name(cipher) : NULL;
}

#endif
