import Foundation

/// What an OAuth access token says about itself, read from its JWT payload without checking the
/// signature (that is the resource server's job). Safe to show in reports: it holds no part of
/// the token, only the claims a person needs to see why a provider accepted or refused it.
package struct AccessTokenClaims: Sendable, Hashable, Codable {
    /// `aud`: the resource the token is for (`https://outlook.office365.com`).
    package var audience: String?
    /// `iss`: who issued it (`https://sts.windows.net/{tenant}/`).
    package var issuer: String?
    /// `tid`: the tenant.
    package var tenantID: String?
    /// `appid`: the client (application) id.
    package var appID: String?
    /// `app_displayname`.
    package var appDisplayName: String?
    /// `oid`: the object id of the service principal (app-only) or user (delegated).
    package var objectID: String?
    /// `idtyp`: `app` for app-only tokens, `user` for delegated ones.
    package var identityType: String?
    /// `roles`: application permissions (`full_access_as_app`).
    package var roles: [String]
    /// `scp`, split: delegated permissions (`EWS.AccessAsUser.All`).
    package var scopes: [String]
    /// `iat`.
    package var issuedAt: Date?
    /// `nbf`.
    package var notBefore: Date?
    /// `exp`.
    package var expiresAt: Date?

    /// Reads the claims of a compact JWT; nil when `jwt` is not one.
    package init?(jwt: String) {
        guard let token = JSONWebToken(jwt) else { return nil }
        let c = token.claimsObject
        func string(_ key: String) -> String? { c[key] as? String }
        func date(_ key: String) -> Date? {
            (c[key] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) }
        }
        audience = string("aud")
        issuer = string("iss")
        tenantID = string("tid")
        appID = string("appid") ?? string("azp")
        appDisplayName = string("app_displayname")
        objectID = string("oid")
        identityType = string("idtyp")
        roles = (c["roles"] as? [Any])?.compactMap { $0 as? String } ?? []
        scopes = string("scp")?.split(separator: " ").map(String.init) ?? []
        issuedAt = date("iat")
        notBefore = date("nbf")
        expiresAt = date("exp")
    }

    /// Whether the token acts as the application itself (no signed-in user).
    package var isAppOnly: Bool {
        if let identityType { return identityType == "app" }
        return scopes.isEmpty
    }

    /// The claims as report facts (`token_aud`, `token_roles`...), absent claims left out.
    package var facts: [String: String] {
        var f: [String: String] = [:]
        let iso = ISO8601DateFormatter()
        f["token_aud"] = audience
        f["token_tid"] = tenantID
        f["token_appid"] = appID
        f["token_app_displayname"] = appDisplayName
        f["token_idtyp"] = identityType ?? (isAppOnly ? "app (inferred: no scp)" : "user (inferred: scp present)")
        f["token_roles"] = roles.isEmpty ? "(none)" : roles.joined(separator: " ")
        if !scopes.isEmpty { f["token_scp"] = scopes.joined(separator: " ") }
        f["token_exp"] = expiresAt.map(iso.string(from:))
        return f
    }
}
