#ifndef CEWSGSS_SHIM_H
#define CEWSGSS_SHIM_H
// MIT Kerberos GSS-API, for the simulator's Negotiate acceptor and the harness's Kerberos
// credentials. Only EWSTransport imports this module (privately), so no GSS type reaches a
// public signature. The OID constants and krb5 error codes are macros or pointer globals Swift
// cannot use directly: they are exported here as functions and constants.
#include <gssapi/gssapi.h>
#include <gssapi/gssapi_ext.h>
#include <gssapi/gssapi_krb5.h>
#include <krb5.h>
#include <stdint.h>
#include <string.h>

/// The SPNEGO mechanism (1.3.6.1.5.5.2), as HTTP Negotiate uses it (RFC 4559).
static gss_OID_desc cews_spnego_oid_desc = {6, (void *)"\x2b\x06\x01\x05\x05\x02"};
static inline gss_OID cews_gss_mech_spnego(void) { return &cews_spnego_oid_desc; }
/// Kerberos 5 (1.2.840.113554.1.2.2).
static inline gss_OID cews_gss_mech_krb5(void) { return (gss_OID)gss_mech_krb5; }
static inline gss_OID cews_gss_nt_hostbased_service(void) { return GSS_C_NT_HOSTBASED_SERVICE; }
static inline gss_OID cews_gss_nt_krb5_principal(void) { return GSS_KRB5_NT_PRINCIPAL_NAME; }
static inline gss_OID cews_gss_nt_user_name(void) { return GSS_C_NT_USER_NAME; }
static inline gss_cred_id_t cews_gss_no_credential(void) { return GSS_C_NO_CREDENTIAL; }
static inline gss_ctx_id_t cews_gss_no_context(void) { return GSS_C_NO_CONTEXT; }
static inline gss_name_t cews_gss_no_name(void) { return GSS_C_NO_NAME; }
static inline gss_OID_set cews_gss_no_oid_set(void) { return GSS_C_NO_OID_SET; }

static const OM_uint32 CEWS_GSS_S_COMPLETE = GSS_S_COMPLETE;
static const OM_uint32 CEWS_GSS_S_CONTINUE_NEEDED = GSS_S_CONTINUE_NEEDED;
static const OM_uint32 CEWS_GSS_C_MUTUAL_FLAG = GSS_C_MUTUAL_FLAG;
static const OM_uint32 CEWS_GSS_C_INTEG_FLAG = GSS_C_INTEG_FLAG;
static const OM_uint32 CEWS_GSS_C_REPLAY_FLAG = GSS_C_REPLAY_FLAG;
static const OM_uint32 CEWS_GSS_C_SEQUENCE_FLAG = GSS_C_SEQUENCE_FLAG;
static const OM_uint32 CEWS_GSS_C_INDEFINITE = GSS_C_INDEFINITE;
static const int CEWS_GSS_C_INITIATE = GSS_C_INITIATE;
static const int CEWS_GSS_C_ACCEPT = GSS_C_ACCEPT;
static const int CEWS_GSS_C_GSS_CODE = GSS_C_GSS_CODE;
static const int CEWS_GSS_C_MECH_CODE = GSS_C_MECH_CODE;

static inline int cews_gss_error(OM_uint32 major) { return GSS_ERROR(major) ? 1 : 0; }
static inline OM_uint32 cews_gss_routine_error(OM_uint32 major) { return GSS_ROUTINE_ERROR(major); }
static const OM_uint32 CEWS_GSS_S_NO_CRED = GSS_S_NO_CRED;
static const OM_uint32 CEWS_GSS_S_CREDENTIALS_EXPIRED = GSS_S_CREDENTIALS_EXPIRED;
static const OM_uint32 CEWS_GSS_S_DEFECTIVE_TOKEN = GSS_S_DEFECTIVE_TOKEN;
static const OM_uint32 CEWS_GSS_S_BAD_MECH = GSS_S_BAD_MECH;

/// Whether two OIDs are the same.
static inline int cews_gss_oid_equal(gss_OID a, gss_OID b) {
    if (a == b) return 1;
    if (a == NULL || b == NULL) return 0;
    return a->length == b->length && memcmp(a->elements, b->elements, a->length) == 0;
}

// krb5 error codes (the minor status of the krb5 mechanism), for naming failures with a remedy.
static const long CEWS_KRB5KRB_AP_ERR_SKEW = KRB5KRB_AP_ERR_SKEW;
static const long CEWS_KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN = KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN;
static const long CEWS_KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN = KRB5KDC_ERR_C_PRINCIPAL_UNKNOWN;
static const long CEWS_KRB5KDC_ERR_PREAUTH_FAILED = KRB5KDC_ERR_PREAUTH_FAILED;
static const long CEWS_KRB5KRB_AP_ERR_BAD_INTEGRITY = KRB5KRB_AP_ERR_BAD_INTEGRITY;
static const long CEWS_KRB5KDC_ERR_NAME_EXP = KRB5KDC_ERR_NAME_EXP;
static const long CEWS_KRB5KDC_ERR_KEY_EXP = KRB5KDC_ERR_KEY_EXP;
static const long CEWS_KRB5KDC_ERR_CLIENT_REVOKED = KRB5KDC_ERR_CLIENT_REVOKED;
static const long CEWS_KRB5_KDC_UNREACH = KRB5_KDC_UNREACH;
static const long CEWS_KRB5_REALM_UNKNOWN = KRB5_REALM_UNKNOWN;
static const long CEWS_KRB5_REALM_CANT_RESOLVE = KRB5_REALM_CANT_RESOLVE;
static const long CEWS_KRB5KRB_AP_ERR_TKT_EXPIRED = KRB5KRB_AP_ERR_TKT_EXPIRED;
static const long CEWS_KRB5KRB_AP_ERR_MODIFIED = KRB5KRB_AP_ERR_MODIFIED;
static const long CEWS_KRB5KRB_AP_ERR_NOT_US = KRB5KRB_AP_ERR_NOT_US;
static const long CEWS_KRB5KRB_AP_WRONG_PRINC = KRB5KRB_AP_WRONG_PRINC;
static const long CEWS_KRB5_KT_NOTFOUND = KRB5_KT_NOTFOUND;
static const long CEWS_KRB5_FCC_NOFILE = KRB5_FCC_NOFILE;
static const long CEWS_KRB5_CC_NOTFOUND = KRB5_CC_NOTFOUND;
static const long CEWS_KRB5KRB_AP_ERR_REPEAT = KRB5KRB_AP_ERR_REPEAT;
static const long CEWS_KRB5KDC_ERR_ETYPE_NOSUPP = KRB5KDC_ERR_ETYPE_NOSUPP;

/// A cred store of up to four key/value pairs (keytab, client_keytab, ccache, rcache).
typedef struct {
    gss_key_value_element_desc elements[4];
    gss_key_value_set_desc set;
} cews_gss_store;

static inline gss_const_key_value_set_t cews_gss_store_make(cews_gss_store *s, const char *k0, const char *v0,
        const char *k1, const char *v1, const char *k2, const char *v2) {
    OM_uint32 n = 0;
    if (k0 && v0) { s->elements[n].key = k0; s->elements[n].value = v0; n++; }
    if (k1 && v1) { s->elements[n].key = k1; s->elements[n].value = v1; n++; }
    if (k2 && v2) { s->elements[n].key = k2; s->elements[n].value = v2; n++; }
    s->set.count = n;
    s->set.elements = s->elements;
    return &s->set;
}

/// The start and end time (seconds since 1970) of the ticket-granting ticket krbtgt/REALM@REALM
/// of the client principal of the cache `ccache_name` (`FILE:/…`). Returns 0, or the krb5 error
/// code (KRB5_FCC_NOFILE, KRB5_CC_NOTFOUND, …). Reads the cache only; no ticket leaves it.
static inline long cews_krb5_tgt_times(const char *ccache_name, int64_t *start, int64_t *end) {
    krb5_context context = NULL;
    krb5_ccache cache = NULL;
    krb5_principal client = NULL, server = NULL;
    krb5_creds match, creds;
    krb5_error_code code = krb5_init_context(&context);
    if (code) return code;
    code = krb5_cc_resolve(context, ccache_name, &cache);
    if (!code) code = krb5_cc_get_principal(context, cache, &client);
    if (!code) code = krb5_build_principal_ext(context, &server, client->realm.length, client->realm.data,
                                               KRB5_TGS_NAME_SIZE, KRB5_TGS_NAME, client->realm.length, client->realm.data, 0);
    if (!code) {
        memset(&match, 0, sizeof match);
        memset(&creds, 0, sizeof creds);
        match.client = client;
        match.server = server;
        code = krb5_cc_retrieve_cred(context, cache, 0, &match, &creds);
        if (!code) {
            /* krb5_timestamp is 32 bits, read as unsigned (MIT does so past 2038). */
            krb5_timestamp s = creds.times.starttime ? creds.times.starttime : creds.times.authtime;
            *start = (int64_t)(uint32_t)s;
            *end = (int64_t)(uint32_t)creds.times.endtime;
            krb5_free_cred_contents(context, &creds);
        }
    }
    if (server) krb5_free_principal(context, server);
    if (client) krb5_free_principal(context, client);
    if (cache) krb5_cc_close(context, cache);
    krb5_free_context(context);
    return code;
}

#endif
