/// Why no access token could be had. The message is specific (the AADSTS code and its first
/// line of description, the HTTP status) and never contains the client secret or a token.
///
/// Codes can be added without breaking callers: compare against the static members.
package struct OAuthError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: String, Sendable, Hashable {
        case refused, invalidResponse, transportFailed
    }

    private let code: Code
    /// A specific, human-readable explanation.
    package let message: String
    /// The HTTP status of the token endpoint's answer, if one came.
    package var httpStatus: Int?
    /// The OAuth `error` (`invalid_client`, `unauthorized_client`, `invalid_scope`...).
    package var error: String?
    /// The STS-specific codes (`[7000215]`).
    package var errorCodes: [Int] = []
    /// The first line of `error_description` (`AADSTS7000215: Invalid client secret provided...`).
    package var errorDescription: String?
    /// `trace_id`, for the provider's support.
    package var traceID: String?
    /// `correlation_id`, for the provider's support.
    package var correlationID: String?
    /// The evidence of the token request (request body and any token removed).
    package var exchange: HTTPExchange?

    private init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The token endpoint answered with an OAuth error.
    package static func refused(_ m: String) -> Self { .init(.refused, m) }
    /// The token endpoint answered, but not with a usable token response.
    package static func invalidResponse(_ m: String) -> Self { .init(.invalidResponse, m) }
    /// No HTTP answer came from the token endpoint.
    package static func transportFailed(_ m: String) -> Self { .init(.transportFailed, m) }

    /// Compares codes only.
    package func hasSameCode(as other: OAuthError) -> Bool { code == other.code }

    /// A short stable name for the kind of failure (`refused`, `invalid-response`...).
    package var kind: String {
        switch code {
        case .refused: return "refused"
        case .invalidResponse: return "invalid-response"
        case .transportFailed: return "transport-failed"
        }
    }

    package var description: String { message }
}
