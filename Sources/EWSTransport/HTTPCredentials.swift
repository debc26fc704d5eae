/// How the transport authenticates to the server.
package enum HTTPCredentials: Sendable, Hashable {
    /// No credentials.
    case none
    /// HTTP Basic (RFC 7617); refused over plain http.
    case basic(user: String, password: Secret)
    /// NTLM through libcurl; authenticates the connection, so the transport keeps it alive.
    case ntlm(user: String, password: Secret)
    /// HTTP Digest (RFC 7616) through libcurl (MD5 or SHA-256, as the server offers).
    case digest(user: String, password: Secret)
    /// An OAuth 2.0 bearer token (RFC 6750); refused over plain http.
    case bearer(token: Secret)
    /// HTTP Negotiate (SPNEGO, RFC 4559) with Kerberos tickets from a run-scoped cache; libcurl
    /// does the handshake. Refused over plain http.
    case negotiate(NegotiateCredentials)

    /// The scheme name as it appears in `WWW-Authenticate` (`Basic`, `NTLM`, `Bearer`), or nil.
    package var schemeName: String? {
        switch self {
        case .none: return nil
        case .basic: return "Basic"
        case .ntlm: return "NTLM"
        case .digest: return "Digest"
        case .bearer: return "Bearer"
        case .negotiate: return "Negotiate"
        }
    }

    /// The user name, where the scheme has one.
    package var userName: String? {
        switch self {
        case .basic(let user, _), .ntlm(let user, _), .digest(let user, _): return user
        case .negotiate(let n): return n.principal
        case .none, .bearer: return nil
        }
    }
}

/// Where ``HTTPCredentials/negotiate(_:)`` takes its Kerberos tickets from. Holds names only:
/// the tickets stay in the cache, which the run owns and destroys.
package struct NegotiateCredentials: Sendable, Hashable {
    /// The client principal (`svc-ews@CONTOSO.COM`).
    package var principal: String
    /// The credential cache (`FILE:/…`), private to the run.
    package var cacheName: String
    /// The service part of the server's SPN (`HTTP`); the host part is the URL's host.
    package var serviceName: String

    /// Creates Negotiate credentials.
    package init(principal: String, cacheName: String, serviceName: String = "HTTP") {
        self.principal = principal
        self.cacheName = cacheName
        self.serviceName = serviceName
    }
}
