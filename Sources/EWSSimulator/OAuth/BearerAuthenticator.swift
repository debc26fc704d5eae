import EWSTransport
import Foundation

/// Checks `Authorization: Bearer` tokens the way Exchange Online does: signature, audience,
/// tenant, lifetime, permissions, then the tenant's EWS application policy.
struct BearerAuthenticator: Sendable {
    let entra: EntraTenant
    let tenant: SimulatedTenant

    /// The caller a token stands for.
    struct Caller: Sendable {
        /// The account EWS acts as before impersonation: the user, or a mailbox-less stand-in for
        /// an app (`app:<client id>`, which the request log shows as the user).
        var account: SimulatedUser
        var authorization: CallerAuthorization
    }

    /// Exchange's Bearer challenge (the form on-premises Exchange and Exchange Online send).
    static let challenge = #"Bearer client_id="00000002-0000-0ff1-ce00-000000000000", trusted_issuers="00000001-0000-0000-c000-000000000000@*", token_types="app_asserted_user_v1 service_asserted_app_v1", authorization_uri="https://login.windows.net/common/oauth2/authorize""#

    func authenticate(_ token: String, now: Date = Date()) -> Result<Caller, HTTPRefusal> {
        guard let jwt = JSONWebToken(token) else {
            return .failure(Self.invalid(2000001, "OAuth token submitted with the request cannot be parsed.", "invalid_token"))
        }
        guard entra.signer.verify(jwt) else {
            return .failure(Self.invalid(2000001, "The token has an invalid signature.", "invalid_signature"))
        }
        let claims = jwt.claimsObject
        guard let aud = claims["aud"] as? String, EntraTenant.exchangeAudiences.contains(aud) else {
            return .failure(Self.invalid(2000003, "The audience claim value is invalid 'aud'.", "invalid_resource"))
        }
        guard claims["tid"] as? String == entra.tenantID, claims["iss"] as? String == entra.issuer else {
            return .failure(Self.invalid(2000002, "The token issuer or tenant is not trusted by this organization.", "invalid_token"))
        }
        let skew = TimeInterval(entra.clockSkew)
        let t = now.timeIntervalSince1970
        guard let exp = (claims["exp"] as? NSNumber)?.doubleValue, t < exp + skew else {
            return .failure(Self.invalid(2000003, "The token has expired.", "invalid_lifetime"))
        }
        if let nbf = (claims["nbf"] as? NSNumber)?.doubleValue, t + skew < nbf {
            return .failure(Self.invalid(2000003, "The token is not yet valid.", "invalid_lifetime"))
        }
        let appID = (claims["appid"] as? String ?? "").lowercased()
        let roles = (claims["roles"] as? [Any])?.compactMap { $0 as? String } ?? []
        let scopes = (claims["scp"] as? String)?.split(separator: " ").map(String.init) ?? []
        let noPermission = Self.invalid(2000008, "The token contains no permissions, or permissions can not be understood.", "invalid_grant")
        let isApp = claims["idtyp"] as? String == "app" || (claims["idtyp"] == nil && scopes.isEmpty)
        if isApp {
            guard roles.contains(EntraTenant.fullAccessAsApp) else { return .failure(noPermission) }
        } else {
            guard scopes.contains(EntraTenant.ewsAccessAsUser) else { return .failure(noPermission) }
        }
        guard let app = entra.application(clientID: appID) else { return .failure(noPermission) }
        guard entra.ewsApplicationAccessPolicy.allowsEWS(appID) else { return .failure(.policyBlocked) }
        if isApp {
            let account = SimulatedUser(primarySmtpAddress: "app:\(app.clientID)", sid: "S-1-5-21-0-0-0-0",
                                        displayName: app.displayName, hasMailbox: false)
            return .success(Caller(account: account,
                                   authorization: .appOnly(appID: appID, allowedMailboxes: entra.applicationAccessPolicies[appID])))
        }
        guard let upn = claims["upn"] as? String, let user = tenant.user(principalName: upn) else { return .failure(noPermission) }
        return .success(Caller(account: user, authorization: .delegated))
    }

    /// A 401 with the Bearer challenge, `error="invalid_token"` and Exchange's `x-ms-diagnostics`.
    static func invalid(_ code: Int, _ reason: String, _ category: String) -> HTTPRefusal {
        HTTPRefusal(status: 401, headers: [
            ("WWW-Authenticate", challenge + #", error="invalid_token""#),
            ("x-ms-diagnostics", "\(code);reason=\"\(reason)\";error_category=\"\(category)\""),
        ])
    }
}
