import Foundation

/// What the simulator logs of each request: enough to prove how a client behaved (which scheme,
/// over TLS or not, which mailbox it anchored to), never a credential.
package struct SimulatorRequestRecord: Sendable, Codable, Hashable {
    /// When the request arrived.
    package var time: Date
    /// Whether it came over TLS.
    package var tls: Bool
    /// The Host header.
    package var host: String?
    /// The method.
    package var method: String
    /// The path as sent.
    package var path: String
    /// The scheme of the Authorization header, if any (`Basic`, `NTLM`), never its token.
    package var authScheme: String?
    /// The GSS-API mechanism a Negotiate authentication used (`Kerberos 5`), if one completed.
    package var authMechanism: String?
    /// The account the request ran as, once authenticated.
    package var user: String?
    /// The status answered.
    package var status: Int
    /// The EWS operation, for EWS requests.
    package var operation: String?
    /// The impersonated mailbox, if any.
    package var impersonated: String?
    /// The `X-AnchorMailbox` header, if any.
    package var anchorMailbox: String?
    /// The response codes answered (`NoError`, `ErrorImpersonateUserDenied`...).
    package var responseCodes: [String]
    /// The throttling policy part that answered instead of EWS, if one did: `EWSMaxConcurrency`,
    /// `CPU budget`, `server overload`, `EWSMaxSubscriptions` or `every-n`.
    package var throttle: String?
    /// The budget a governed request was charged to (`impersonation:alice@contoso.com`, or the caller).
    package var budget: String?
    /// EWS requests in flight on that budget: with this one when it was admitted; without it when
    /// it was refused for EWSMaxConcurrency (the count that made the limit bite).
    package var inFlight: Int?
    /// The wait a throttling answer asked for, in milliseconds (BackOffMilliseconds, or Retry-After
    /// in seconds × 1000); nil when it named none (ErrorExceededConnectionCount) or was no throttling answer.
    package var askedWaitMilliseconds: Int?

    enum CodingKeys: String, CodingKey {
        case time, tls, host, method, path, user, status, operation, impersonated, throttle, budget
        case inFlight = "in_flight"
        case askedWaitMilliseconds = "asked_wait_ms"
        case authScheme = "auth_scheme"
        case authMechanism = "auth_mechanism"
        case anchorMailbox = "anchor_mailbox"
        case responseCodes = "response_codes"
    }
}
