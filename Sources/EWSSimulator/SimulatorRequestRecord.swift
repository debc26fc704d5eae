import Foundation

/// What the simulator logs of each request: enough to prove how a client behaved (which scheme,
/// over TLS or not, which mailbox it anchored to), never a credential.
public struct SimulatorRequestRecord: Sendable, Codable, Hashable {
    /// When the request arrived.
    public var time: Date
    /// Whether it came over TLS.
    public var tls: Bool
    /// The Host header.
    public var host: String?
    /// The method.
    public var method: String
    /// The path as sent.
    public var path: String
    /// The scheme of the Authorization header, if any (`Basic`, `NTLM`), never its token.
    public var authScheme: String?
    /// The GSS-API mechanism a Negotiate authentication used (`Kerberos 5`), if one completed.
    public var authMechanism: String?
    /// The account the request ran as, once authenticated.
    public var user: String?
    /// The status answered.
    public var status: Int
    /// The EWS operation, for EWS requests.
    public var operation: String?
    /// The impersonated mailbox, if any.
    public var impersonated: String?
    /// The `X-AnchorMailbox` header, if any.
    public var anchorMailbox: String?
    /// The response codes answered (`NoError`, `ErrorImpersonateUserDenied`...).
    public var responseCodes: [String]

    enum CodingKeys: String, CodingKey {
        case time, tls, host, method, path, user, status, operation, impersonated
        case authScheme = "auth_scheme"
        case authMechanism = "auth_mechanism"
        case anchorMailbox = "anchor_mailbox"
        case responseCodes = "response_codes"
    }
}
