import EWSTransport
import ProviderManifest
import Foundation

/// `auth.oauth.token`: for an `auth: oauth2` target, the client credentials buy an app-only
/// access token for Exchange Online before any EWS check runs. The result carries the token's
/// claims as facts (audience, roles, tenant, app, expiry), never the token.
enum OAuthTokenCheck {
    /// The check id.
    static let id = CheckID("auth.oauth.token")

    /// The definition (in ``CheckCatalog/standard`` right after reachability; only OAuth runs have it).
    static let definition = CheckDefinition(
        id: id, title: "OAuth access token obtained",
        requirement: "The service account's client credentials obtain an app-only access token for Exchange Online (audience https://outlook.office365.com) carrying the full_access_as_app role.",
        dependsOn: [], perMailbox: false, mustFail: false)

    /// What acquiring the token produced.
    struct Acquisition: Sendable {
        /// `.bearer` with the token, or `.none` when there is none.
        var credentials: HTTPCredentials
        var verdict: Verdict
        /// Milliseconds.
        var duration: Double
        /// The first exchange id free for the EWS transport.
        var nextExchangeID: Int
    }

    /// Gets the token of an `auth: oauth2` target (nil for other targets), over its own transport
    /// with the target's TLS settings and host pins and no credentials.
    static func acquire(for target: TargetConfiguration, profile: RunProfile? = nil,
                        environment: [String: String] = ProcessInfo.processInfo.environment) async -> Acquisition? {
        guard target.serviceAccount.auth == .oauth2 else { return nil }
        let clock = ContinuousClock.now
        func done(_ credentials: HTTPCredentials, _ verdict: Verdict) -> Acquisition {
            let elapsed = ContinuousClock.now - clock
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            let last = verdict.exchanges.map(\.id).max() ?? 0
            return Acquisition(credentials: credentials, verdict: verdict, duration: ms, nextExchangeID: max(2, last + 1))
        }
        var ignored: [String] = []  // the caller already warned about the secret file when it checked it
        let client: OAuthClientCredentials
        do {
            client = try target.clientCredentials(environment: environment, warnings: &ignored)
        } catch {
            let what: String
            if case .certificate = target.serviceAccount.secret { what = "client certificate" } else { what = "client secret" }
            return done(.none, .errored("cannot read the \(what): \(error.message)"))
        }
        // A client secret may go to the profile's acquire_token hook; a private key never goes to a
        // plugin (the standard client signs the assertion itself).
        var usesCertificate = false
        if case .certificate = target.serviceAccount.secret { usesCertificate = true }
        if let acquirer = profile?.tokenAcquirer, !usesCertificate {
            let input = AcquireTokenInput(tenant: target.serviceAccount.oauth?.tenantID ?? "", clientID: client.clientID,
                                          clientSecret: client.clientSecret.withUnsafeValue { $0 }, scope: client.scope,
                                          tokenEndpoint: client.tokenEndpoint)
            guard let output = acquirer(input), !output.accessToken.isEmpty else {
                return done(.none, .failed("the \(profile?.id ?? "") profile's acquire_token hook returned no token"))
            }
            let now = Date()
            let exchange = HTTPExchange(id: 1, started: now, method: "HOOK", url: "plugin:\(profile?.id ?? "")/acquire_token",
                                        requestBody: "[not recorded: holds the client secret]", legs: [],
                                        responseBody: "[not recorded: holds the access token]", durationMilliseconds: 0,
                                        remoteAddress: nil, newConnections: 0, error: nil)
            let token = AccessToken(value: Secret(output.accessToken), tokenType: "Bearer", expiresIn: output.expiresIn, obtainedAt: now,
                                    claims: AccessTokenClaims(jwt: output.accessToken), exchange: exchange)
            var verdict = verdict(for: token, client)
            verdict.message += " (from the \(profile?.id ?? "") profile's acquire_token hook)"
            verdict.facts["token_source"] = "acquire_token hook"
            return done(token.credentials, verdict)
        }
        let transport = HTTPTransport(configuration: target.transportConfiguration(connections: 1))
        defer { transport.shutdown() }
        let token: AccessToken
        do {
            token = try await OAuthTokenClient(transport: transport, credentials: client).token()
        } catch {
            // No answer: the harness cannot tell. An answer that refuses is the provider's verdict.
            if error.hasSameCode(as: .transportFailed("")) { return done(.none, .errored(error.message, [error.exchange])) }
            var verdict = Verdict.failed(error.message, [error.exchange])
            verdict.facts = facts(of: error, client)
            return done(.none, verdict)
        }
        return done(token.credentials, verdict(for: token, client))
    }

    /// Passed when the token is an app-only token for the scope's resource with `full_access_as_app`.
    static func verdict(for token: AccessToken, _ client: OAuthClientCredentials) -> Verdict {
        var facts = ["token_endpoint": client.tokenEndpoint, "scope": client.scope, "client_id": client.clientID,
                     "expires_in": String(token.expiresIn), "client_authentication": clientAuthentication(client)]
        guard let claims = token.claims else {
            return .failed("the token endpoint issued a token that is not a JWT, so its audience and roles cannot be shown",
                           [token.exchange], facts: facts)
        }
        facts.merge(claims.facts) { _, claim in claim }
        let resource = client.scope.hasSuffix("/.default") ? String(client.scope.dropLast("/.default".count)) : client.scope
        let summary = "aud \(claims.audience ?? "?"), roles \(claims.roles.isEmpty ? "none" : claims.roles.joined(separator: " ")), expires in \(token.expiresIn) s"
        if !claims.isAppOnly {
            return .failed("the token acts for a user (idtyp \(claims.identityType ?? "?"), scp \(claims.scopes.joined(separator: " "))), not app-only: EWS impersonation needs an app-only token (\(summary))",
                           [token.exchange], facts: facts)
        }
        if let aud = claims.audience, aud != resource {
            return .failed("the token is for \(aud), not \(resource) (\(summary))", [token.exchange], facts: facts)
        }
        guard claims.roles.contains("full_access_as_app") else {
            return .failed("the token has no full_access_as_app role: the application permission is missing or has no admin consent (\(summary))",
                           [token.exchange], facts: facts)
        }
        let proof = client.clientCertificate.map { " with certificate \($0.thumbprintHex)" } ?? ""
        return .passed("obtained an app-only token for app \(claims.appID ?? client.clientID) in tenant \(claims.tenantID ?? "?")\(proof) (\(summary))",
                       [token.exchange], facts: facts)
    }

    /// How the client proves itself, as shown in reports (the certificate's thumbprint is public).
    static func clientAuthentication(_ client: OAuthClientCredentials) -> String {
        client.clientCertificate.map { "certificate \($0.thumbprintHex) (signed client assertion, RS256)" } ?? "client secret"
    }

    private static func facts(of error: OAuthError, _ client: OAuthClientCredentials) -> [String: String] {
        var facts = ["token_endpoint": client.tokenEndpoint, "scope": client.scope, "client_id": client.clientID,
                     "client_authentication": clientAuthentication(client)]
        facts["http_status"] = error.httpStatus.map(String.init)
        facts["error"] = error.error
        if !error.errorCodes.isEmpty { facts["error_codes"] = error.errorCodes.map { "AADSTS\($0)" }.joined(separator: " ") }
        facts["trace_id"] = error.traceID
        facts["correlation_id"] = error.correlationID
        return facts
    }
}
