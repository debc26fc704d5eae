import Foundation

/// An access token from a token endpoint, with what may be shown of it.
package struct AccessToken: Sendable {
    /// The token itself; only ``credentials`` should ever read it.
    package let value: Secret
    /// `token_type` (`Bearer`).
    package let tokenType: String
    /// `expires_in`, in seconds.
    package let expiresIn: Int
    /// When it was received.
    package let obtainedAt: Date
    /// When it expires by `expires_in` (the claims may say otherwise; this is what caching uses).
    package let expiresAt: Date
    /// Its claims, when it is a JWT.
    package let claims: AccessTokenClaims?
    /// The evidence of the token request, with the client secret and the token removed.
    package let exchange: HTTPExchange

    /// Creates a token value (the client makes these; tests may too).
    package init(value: Secret, tokenType: String, expiresIn: Int, obtainedAt: Date, claims: AccessTokenClaims?, exchange: HTTPExchange) {
        self.value = value
        self.tokenType = tokenType
        self.expiresIn = expiresIn
        self.obtainedAt = obtainedAt
        expiresAt = obtainedAt.addingTimeInterval(TimeInterval(expiresIn))
        self.claims = claims
        self.exchange = exchange
    }

    /// The transport credentials that present it (`Authorization: Bearer …`).
    package var credentials: HTTPCredentials { .bearer(token: value) }
}
