import EWSTransport

/// What an unauthenticated EWS POST was answered: the status, the schemes its `WWW-Authenticate`
/// challenges offer, and the exchange that shows it.
struct PostChallenge: Sendable {
    /// The HTTP status (nil: no answer).
    var status: Int?
    /// The scheme names offered (`Bearer`, `NTLM`, `Negotiate`).
    var schemes: [String]
    /// Full challenges and server headers, redacted like evidence.
    var hints: [String: String]
    /// The exchange.
    var exchange: HTTPExchange?
    /// Why there was no answer.
    var error: String?
}
