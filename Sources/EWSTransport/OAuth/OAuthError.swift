/// Why no access token could be had. The message is specific (the AADSTS code and its first
/// line of description, the HTTP status) and never contains the client secret or a token.
///
/// Codes can be added without breaking callers: compare ``code`` against the static members of
/// ``Code`` (`error.code == .refused`).
package struct OAuthError: Error, Sendable, Hashable, CustomStringConvertible {
    fileprivate enum Base: String, Sendable, Hashable {
        case refused, invalidResponse, transportFailed
    }

    /// What kind of failure this is, without its message.
    package struct Code: Sendable, Hashable {
        fileprivate let base: Base
        package static let refused = Code(base: .refused)
        package static let invalidResponse = Code(base: .invalidResponse)
        package static let transportFailed = Code(base: .transportFailed)
    }

    /// What kind of failure this is.
    package var code: Code { Code(base: base) }
    private let base: Base
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

    private init(_ base: Base, _ message: String) {
        self.base = base
        self.message = message
    }

    /// The token endpoint answered with an OAuth error.
    package static func refused(_ m: String) -> Self { .init(.refused, m) }
    /// The token endpoint answered, but not with a usable token response.
    package static func invalidResponse(_ m: String) -> Self { .init(.invalidResponse, m) }
    /// No HTTP answer came from the token endpoint.
    package static func transportFailed(_ m: String) -> Self { .init(.transportFailed, m) }

    /// A short stable name for the kind of failure (`refused`, `invalid-response`...).
    package var kind: String {
        switch base {
        case .refused: return "refused"
        case .invalidResponse: return "invalid-response"
        case .transportFailed: return "transport-failed"
        }
    }

    package var description: String { message }
}
