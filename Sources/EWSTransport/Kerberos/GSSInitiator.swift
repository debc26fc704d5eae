internal import CEWSGSS
import Foundation

/// The client side of one HTTP Negotiate authentication, done by hand (not by libcurl) so the
/// harness can see what libcurl cannot show: which mechanism SPNEGO chose, whether the server's
/// mutual-authentication token verified, and the exact Kerberos error with its remedy.
package final class GSSInitiator {
    /// What one step produced.
    package enum Step: Sendable {
        /// A token to send (`Authorization: Negotiate <base64>`); the server must answer.
        case send([UInt8])
        /// The context is established (mutual authentication verified when the server's token
        /// was fed in); `token` is non-empty when one more must still be sent.
        case established(token: [UInt8])
        /// A failure, named.
        case failed(KerberosFailure)
    }

    private var credential: gss_cred_id_t?
    private var target: gss_name_t?
    private var context: gss_ctx_id_t?
    /// The service principal the handshake is for, as given.
    package let servicePrincipal: String

    /// Prepares a handshake for `servicePrincipal` (`HTTP/mail.contoso.com` or
    /// `HTTP/mail.contoso.com@REALM`, or the host-based `HTTP@mail.contoso.com`) with the
    /// credentials in `cache`.
    package convenience init(cache: KerberosTicketCache, servicePrincipal: String) throws(KerberosFailure) {
        try self.init(principal: cache.principal, cacheName: cache.name, servicePrincipal: servicePrincipal)
    }

    /// Prepares a handshake as `principal` with the tickets in the cache named `cacheName`.
    package init(principal: String, cacheName: String, servicePrincipal: String) throws(KerberosFailure) {
        self.servicePrincipal = servicePrincipal
        credential = try KerberosTicketCache.initiatorCredential(principal: principal, cacheName: cacheName)
        // `HTTP/host` becomes the host-based `HTTP@host`, as libcurl names it, so the realm comes
        // from krb5.conf's [domain_realm] (not only the default realm); `HTTP/host@REALM` is taken as is.
        let name: String
        let hostBased: Bool
        switch (servicePrincipal.contains("/"), servicePrincipal.contains("@")) {
        case (true, false):
            name = servicePrincipal.replacingOccurrences(of: "/", with: "@", options: [], range: servicePrincipal.range(of: "/"))
            hostBased = true
        case (false, true):
            name = servicePrincipal
            hostBased = true
        default:
            name = servicePrincipal
            hostBased = false
        }
        do throws(KerberosFailure) {
            target = try GSS.importName(name, hostBased: hostBased, stage: "reading the service principal name \(servicePrincipal)")
        } catch {
            var minor: OM_uint32 = 0
            _ = gss_release_cred(&minor, &credential)
            throw error
        }
    }

    deinit {
        var minor: OM_uint32 = 0
        if context != nil { _ = gss_delete_sec_context(&minor, &context, nil) }
        if credential != nil { _ = gss_release_cred(&minor, &credential) }
        GSS.release(&target)
    }

    /// Feeds the server's token (nil for the first step) and returns what to do next.
    package func step(_ serverToken: [UInt8]?) -> Step {
        var minor: OM_uint32 = 0
        var output = gss_buffer_desc(length: 0, value: nil)
        let flags = CEWS_GSS_C_MUTUAL_FLAG | CEWS_GSS_C_SEQUENCE_FLAG
        let major: OM_uint32
        if let serverToken {
            major = GSS.withBuffer(serverToken) { input in
                gss_init_sec_context(&minor, credential, &context, target, cews_gss_mech_spnego(), flags, 0, nil, &input, nil, &output, nil, nil)
            }
        } else {
            major = gss_init_sec_context(&minor, credential, &context, target, cews_gss_mech_spnego(), flags, 0, nil, nil, nil, &output, nil, nil)
        }
        defer { GSS.release(&output) }
        let bytes = GSS.bytes(output)
        if cews_gss_error(major) != 0 {
            let stage = serverToken == nil ? "getting a service ticket for \(servicePrincipal)" : "verifying the server's Negotiate answer"
            return .failed(GSS.failure(stage, major, minor))
        }
        return major == CEWS_GSS_S_CONTINUE_NEEDED ? .send(bytes) : .established(token: bytes)
    }

    /// The mechanism SPNEGO negotiated (MIT's SPNEGO reports the inner one once chosen).
    package var mechanism: GSSMechanism? {
        guard context != nil else { return nil }
        var minor: OM_uint32 = 0
        var mech: gss_OID?
        guard gss_inquire_context(&minor, context, nil, nil, nil, &mech, nil, nil, nil) == CEWS_GSS_S_COMPLETE else { return nil }
        return GSS.mechanism(mech)
    }

    /// The client principal the context authenticates as.
    package var clientPrincipal: String? {
        guard context != nil else { return nil }
        var minor: OM_uint32 = 0
        var name: gss_name_t?
        guard gss_inquire_context(&minor, context, &name, nil, nil, nil, nil, nil, nil) == CEWS_GSS_S_COMPLETE else { return nil }
        defer { GSS.release(&name) }
        return GSS.display(name)
    }
}
