/// How the transport authenticates to the server.
public enum HTTPCredentials: Sendable, Hashable {
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

    /// The scheme name as it appears in `WWW-Authenticate` (`Basic`, `NTLM`, `Bearer`), or nil.
    public var schemeName: String? {
        switch self {
        case .none: return nil
        case .basic: return "Basic"
        case .ntlm: return "NTLM"
        case .digest: return "Digest"
        case .bearer: return "Bearer"
        }
    }

    /// The user name, where the scheme has one.
    public var userName: String? {
        switch self {
        case .basic(let user, _), .ntlm(let user, _), .digest(let user, _): return user
        case .none, .bearer: return nil
        }
    }
}
