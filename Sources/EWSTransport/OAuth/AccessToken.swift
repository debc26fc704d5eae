import Foundation

/// An access token from a token endpoint, with what may be shown of it.
public struct AccessToken: Sendable {
    /// The token itself; only ``credentials`` should ever read it.
    public let value: Secret
    /// `token_type` (`Bearer`).
    public let tokenType: String
    /// `expires_in`, in seconds.
    public let expiresIn: Int
    /// When it was received.
    public let obtainedAt: Date
    /// When it expires by `expires_in` (the claims may say otherwise; this is what caching uses).
    public let expiresAt: Date
    /// Its claims, when it is a JWT.
    public let claims: AccessTokenClaims?
    /// The evidence of the token request, with the client secret and the token removed.
    public let exchange: HTTPExchange

    /// Creates a token value (the client makes these; tests may too).
    public init(value: Secret, tokenType: String, expiresIn: Int, obtainedAt: Date, claims: AccessTokenClaims?, exchange: HTTPExchange) {
        self.value = value
        self.tokenType = tokenType
        self.expiresIn = expiresIn
        self.obtainedAt = obtainedAt
        expiresAt = obtainedAt.addingTimeInterval(TimeInterval(expiresIn))
        self.claims = claims
        self.exchange = exchange
    }

    /// The transport credentials that present it (`Authorization: Bearer …`).
    public var credentials: HTTPCredentials { .bearer(token: value) }
}
