/// What the OAuth 2.0 client credentials grant (RFC 6749 §4.4) needs: where to ask, who asks,
/// with which secret, and for what.
package struct OAuthClientCredentials: Sendable {
    /// The token endpoint (`https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`).
    package var tokenEndpoint: String
    /// The application (client) id.
    package var clientID: String
    /// The client secret; sent in the form body, never recorded. Empty when a certificate is used.
    package var clientSecret: Secret
    /// The application certificate: when set, the client authenticates with a signed client
    /// assertion (`private_key_jwt`) instead of the secret.
    package var clientCertificate: ClientCertificate?
    /// The scope asked for (`https://outlook.office365.com/.default`).
    package var scope: String

    /// The scope of Exchange Online's EWS for app-only tokens.
    package static let exchangeOnlineScope = "https://outlook.office365.com/.default"

    /// Microsoft identity platform v2 token endpoint of a tenant (GUID or domain name).
    package static func microsoftTokenEndpoint(tenant: String) -> String {
        "https://login.microsoftonline.com/\(tenant)/oauth2/v2.0/token"
    }

    /// Creates client credentials.
    package init(tokenEndpoint: String, clientID: String, clientSecret: Secret, scope: String = exchangeOnlineScope) {
        self.tokenEndpoint = tokenEndpoint
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scope = scope
    }

    /// Creates client credentials that authenticate with a certificate (a signed client assertion).
    package init(tokenEndpoint: String, clientID: String, certificate: ClientCertificate, scope: String = exchangeOnlineScope) {
        self.init(tokenEndpoint: tokenEndpoint, clientID: clientID, clientSecret: Secret(""), scope: scope)
        clientCertificate = certificate
    }
}
