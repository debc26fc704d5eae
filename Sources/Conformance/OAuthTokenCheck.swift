import EWSTransport
import ProviderManifest
import Foundation

/// `auth.oauth.token`: for an `auth: oauth2` target, the client credentials buy an app-only
/// access token for Exchange Online before any EWS check runs. The result carries the token's
/// claims as facts (audience, roles, tenant, app, expiry), never the token.
enum OAuthTokenCheck {
    /// The check id.
    static let id = CheckID("auth.oauth.token")

    /// What acquiring the token produced.
    struct Acquisition: Sendable {
        /// `.bearer` with the token, or `.none` when there is none.
        var credentials: HTTPCredentials
        var verdict: Verdict
        /// Milliseconds.
        var duration: Double
        /// Renews the token before it expires, for runs longer than one token (nil without a token).
        var tokenSource: BearerTokenSource?
    }

    /// Gets the token of an `auth: oauth2` target (nil for other targets), over its own transport
    /// with the target's TLS settings and host pins and no credentials.
    static func acquire(for target: TargetConfiguration, profile: RunProfile? = nil, exchangeIDs: ExchangeIDSource = ExchangeIDSource(),
                        environment: [String: String] = ProcessInfo.processInfo.environment) async -> Acquisition? {
        guard target.serviceAccount.auth == .oauth2 else { return nil }
        let clock = ContinuousClock.now
        func done(_ credentials: HTTPCredentials, _ verdict: Verdict) -> Acquisition {
            let elapsed = ContinuousClock.now - clock
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            return Acquisition(credentials: credentials, verdict: verdict, duration: ms)
        }
        var ignored: [String] = []  // the caller already warned about the secret file when it checked it
        var client: OAuthClientCredentials
        do {
            client = try target.clientCredentials(environment: environment, warnings: &ignored)
            applyProfile(profile, to: &client, tenant: target.serviceAccount.oauth?.tenantID ?? "")
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
            guard let output = await HookExecutor.call("acquire_token", profile, { acquirer(input) }), !output.accessToken.isEmpty else {
                return done(.none, .failed("\(profile?.phrase ?? "the provider profile")'s acquire_token hook returned no token"))
            }
            let hookName = "plugin:\(profile?.id ?? "")/acquire_token"
            let token = hookToken(output, url: hookName, exchangeIDs: exchangeIDs)
            var verdict = verdict(for: token, client, requiredRoles: requiredRoles(profile))
            verdict.message += " (from \(profile?.phrase ?? "the provider profile")'s acquire_token hook)"
            verdict.facts["token_source"] = "acquire_token hook"
            // Renewals ask the hook again.
            let source = BearerTokenSource(initial: token) { () async throws(OAuthError) -> AccessToken in
                guard let output = await HookExecutor.call("acquire_token", profile, { acquirer(input) }), !output.accessToken.isEmpty else {
                    throw .refused("the acquire_token hook returned no token")
                }
                return hookToken(output, url: hookName, exchangeIDs: exchangeIDs)
            }
            var acquisition = done(token.credentials, verdict)
            acquisition.tokenSource = source
            return acquisition
        }
        let transport = HTTPTransport(configuration: target.transportConfiguration(connections: 1), exchangeIDs: exchangeIDs)
        let tokens = OAuthTokenClient(transport: transport, credentials: client, refreshMargin: 0)
        let token: AccessToken
        do {
            token = try await tokens.token()
        } catch {
            transport.shutdown()
            // No answer: the harness cannot tell. An answer that refuses is the provider's verdict.
            if error.code == .transportFailed { return done(.none, .errored(error.message, [error.exchange])) }
            var verdict = Verdict.failed(error.message, [error.exchange])
            verdict.facts = facts(of: error, client)
            return done(.none, verdict)
        }
        // The token endpoint's transport stays for the renewals until the run shuts the source down.
        let source = BearerTokenSource(initial: token, onShutdown: { transport.shutdown() }) { () async throws(OAuthError) -> AccessToken in
            await tokens.invalidate()
            return try await tokens.token()
        }
        var acquisition = done(token.credentials, verdict(for: token, client, requiredRoles: requiredRoles(profile)))
        acquisition.tokenSource = source
        return acquisition
    }

    /// A token from the `acquire_token` hook, with an exchange that records the call but neither
    /// the secret nor the token.
    private static func hookToken(_ output: AcquireTokenOutput, url: String, exchangeIDs: ExchangeIDSource) -> AccessToken {
        let now = Date()
        let exchange = HTTPExchange(id: exchangeIDs.take(), started: now, method: "HOOK", url: url,
                                    requestBody: "[not recorded: holds the client secret]", legs: [],
                                    responseBody: "[not recorded: holds the access token]", durationMilliseconds: 0,
                                    remoteAddress: nil, newConnections: 0, error: nil)
        return AccessToken(value: Secret(output.accessToken), tokenType: "Bearer", expiresIn: output.expiresIn, obtainedAt: now,
                           claims: AccessTokenClaims(jwt: output.accessToken), exchange: exchange)
    }

    /// The roles the token must carry: the profile's `auth.oauth.required_roles`, else Exchange
    /// Online's `full_access_as_app`.
    static func requiredRoles(_ profile: RunProfile?) -> [String] {
        profile?.manifest.auth.oauth?.requiredRoles ?? ["full_access_as_app"]
    }

    /// Where the target file left the token endpoint and scope at Exchange Online's defaults, the
    /// profile's templates decide (`{tenant}` filled in).
    static func applyProfile(_ profile: RunProfile?, to client: inout OAuthClientCredentials, tenant: String) {
        guard let oauth = profile?.manifest.auth.oauth else { return }
        if client.scope == OAuthClientCredentials.exchangeOnlineScope {
            client.scope = oauth.scopeTemplate.replacingOccurrences(of: "{tenant}", with: tenant)
        }
        if client.tokenEndpoint == OAuthClientCredentials.microsoftTokenEndpoint(tenant: tenant) {
            client.tokenEndpoint = oauth.tokenEndpointTemplate.replacingOccurrences(of: "{tenant}", with: tenant)
        }
    }

    /// Passed when the token is an app-only token for the scope's resource with every required role.
    static func verdict(for token: AccessToken, _ client: OAuthClientCredentials, requiredRoles: [String] = ["full_access_as_app"]) -> Verdict {
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
        let missingRoles = requiredRoles.filter { !claims.roles.contains($0) }
        facts["required_roles"] = requiredRoles.joined(separator: " ")
        guard missingRoles.isEmpty else {
            return .failed("the token has no \(missingRoles.joined(separator: ", ")) role: the application permission is missing or has no admin consent (\(summary))",
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
