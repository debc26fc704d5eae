import Foundation

/// What a simulated access token should say. The token endpoint makes the ordinary kind; tests
/// use it to mint the kinds Entra would not hand out to a client-credentials caller (delegated,
/// expired, for another audience or tenant, signed by a stranger).
package struct AccessTokenRequest: Sendable {
    /// Whose identity the token carries.
    package enum Kind: Sendable {
        /// App-only (`idtyp` app, `roles`).
        case appOnly
        /// Delegated on behalf of a user (`idtyp` user, `scp` EWS.AccessAsUser.All).
        case delegated(user: SimulatedUser)
    }

    /// The application (client) id.
    package var clientID: String
    /// App-only or delegated.
    package var kind: Kind = .appOnly
    /// `aud`.
    package var audience: String = "https://outlook.office365.com"
    /// `tid` (and the issuer's tenant); nil is the simulated tenant.
    package var tenantID: String?
    /// Seconds from now to `exp`; nil is the tenant's token lifetime.
    package var lifetime: Int?
    /// `roles` of an app-only token; nil is what the application was consented.
    package var roles: [String]?
    /// Sign with a freshly made key the tenant does not publish.
    package var signedByForeignKey = false

    /// Creates a request for an app-only token of `clientID`.
    package init(clientID: String) { self.clientID = clientID }
}

extension EntraTenant {
    /// Signs a token as the simulated tenant would (or, with ``AccessTokenRequest/signedByForeignKey``,
    /// as nobody it trusts would). Unknown client ids still get a token, for negative tests.
    package func mintAccessToken(_ request: AccessTokenRequest) -> String {
        let now = Date()
        let app = application(clientID: request.clientID)
        let tid = request.tenantID ?? tenantID
        let lifetime = request.lifetime ?? tokenLifetime
        // Entra backdates iat/nbf by five minutes; exp counts from now.
        let issued = Int(now.timeIntervalSince1970) - 300
        var claims: [String: Any] = [
            "aud": request.audience, "iss": "https://sts.windows.net/\(tid)/", "iat": issued, "nbf": issued,
            "exp": Int(now.timeIntervalSince1970) + lifetime, "aio": Self.opaque(48),
            "appid": request.clientID.lowercased(), "appidacr": "1", "idp": "https://sts.windows.net/\(tid)/",
            "rh": Self.opaque(60), "tid": tid, "uti": Self.opaque(22), "ver": "1.0",
        ]
        if let app { claims["app_displayname"] = app.displayName }
        switch request.kind {
        case .appOnly:
            let oid = app?.servicePrincipalID ?? UUID().uuidString.lowercased()
            claims["idtyp"] = "app"
            claims["oid"] = oid
            claims["sub"] = oid
            let roles = request.roles ?? app?.roles ?? []
            // Entra leaves the claim out when nothing was consented.
            if !roles.isEmpty { claims["roles"] = roles }
        case .delegated(let user):
            claims["idtyp"] = "user"
            claims["oid"] = Self.objectID(of: user)
            claims["sub"] = Self.opaque(43)
            claims["scp"] = Self.ewsAccessAsUser
            claims["upn"] = user.userPrincipalName
            claims["unique_name"] = user.userPrincipalName
            claims["name"] = user.displayName
            claims["amr"] = ["pwd"]
        }
        if request.signedByForeignKey, let stranger = try? TokenSigner() {
            return stranger.sign(claims: claims) ?? ""
        }
        return signer.sign(claims: claims) ?? ""
    }

    /// Random base64url text of the length Entra's opaque claims have.
    static func opaque(_ length: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return String((0..<length).map { _ in alphabet.randomElement() ?? "A" })
    }
}
