internal import CEWSGSS
import Foundation

/// The server side of HTTP Negotiate (RFC 4559): acceptor credentials read from a keytab once,
/// and one ``Handshake`` per authentication. MIT's SPNEGO acceptor does the work; nothing here
/// parses a Kerberos message.
///
/// `@unchecked Sendable`: the credential handle is only read after `init`, and MIT guards its
/// credential structures with their own mutex, so concurrent handshakes may share it.
package final class GSSAcceptor: @unchecked Sendable {
    /// What one step of a handshake produced.
    package enum Step: Sendable {
        /// The client must send another token; `token` goes back in `WWW-Authenticate: Negotiate`.
        case continueNeeded(token: [UInt8])
        /// Authenticated: the client principal, the mechanism SPNEGO chose, and the final
        /// (mutual authentication) token for the 200 answer, if the mechanism made one.
        case complete(principal: String, mechanism: GSSMechanism, token: [UInt8])
        /// Refused.
        case failed(KerberosFailure)
    }

    private var credential: gss_cred_id_t?
    /// The keytab the credentials came from.
    package let keytab: String

    /// Acquires acceptor credentials for every principal in `keytab` (for any mechanism, so
    /// SPNEGO can use Kerberos from it).
    package init(keytab: String) throws(KerberosFailure) {
        self.keytab = keytab
        var minor: OM_uint32 = 0
        var store = cews_gss_store()
        var cred: gss_cred_id_t?
        let major = withUnsafeMutablePointer(to: &store) { s in
            "keytab".withCString { k in
                keytab.withCString { v in
                    gss_acquire_cred_from(&minor, cews_gss_no_name(), CEWS_GSS_C_INDEFINITE, cews_gss_no_oid_set(), CEWS_GSS_C_ACCEPT,
                                          cews_gss_store_make(s, k, v, nil, nil, nil, nil), &cred, nil, nil)
                }
            }
        }
        if cews_gss_error(major) != 0 { throw GSS.failure("reading the acceptor keytab \(keytab)", major, minor) }
        credential = cred
    }

    deinit {
        var minor: OM_uint32 = 0
        if credential != nil { _ = gss_release_cred(&minor, &credential) }
    }

    /// One authentication in progress (a connection's Negotiate exchange). Not thread-safe: one
    /// connection uses it at a time.
    package final class Handshake {
        private let acceptor: GSSAcceptor
        private var context: gss_ctx_id_t?

        /// Starts a handshake with the acceptor's credentials.
        package init(_ acceptor: GSSAcceptor) { self.acceptor = acceptor }

        deinit {
            var minor: OM_uint32 = 0
            if context != nil { _ = gss_delete_sec_context(&minor, &context, nil) }
        }

        /// Feeds one client token (the bytes after `Authorization: Negotiate`).
        package func step(_ token: [UInt8]) -> Step {
            var minor: OM_uint32 = 0
            var source: gss_name_t?
            var mech: gss_OID?
            var output = gss_buffer_desc(length: 0, value: nil)
            var flags: OM_uint32 = 0
            let major = GSS.withBuffer(token) { input in
                gss_accept_sec_context(&minor, &context, acceptor.credential, &input, nil, &source, &mech, &output, &flags, nil, nil)
            }
            defer {
                GSS.release(&output)
                GSS.release(&source)
            }
            let outputBytes = GSS.bytes(output)
            if cews_gss_error(major) != 0 {
                return .failed(GSS.failure("accepting a Negotiate token", major, minor))
            }
            if major == CEWS_GSS_S_CONTINUE_NEEDED { return .continueNeeded(token: outputBytes) }
            let principal = GSS.display(source) ?? "?"
            return .complete(principal: principal, mechanism: GSS.mechanism(mech) ?? .other("?"), token: outputBytes)
        }
    }
}
