import EWSExecutor
@testable import EWSProtocol
@testable import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// A running exchange-online simulator and a way to talk to it by its real host names.
private struct Online {
    let sim: Simulator
    let entra: EntraTenant

    static func start(_ edit: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> Online {
        try Fixtures.requireShared()
        var config = SimulatorConfiguration()
        config.flavor = .exchangeOnline
        config.stateDirectory = try Fixtures.temporaryDirectory("exo")
        config.schemaDirectory = Fixtures.ewsSchemaDirectory
        edit(&config)
        let sim = try await Simulator.start(config)
        return Online(sim: sim, entra: try #require(sim.entra))
    }

    func stop() async { await sim.shutdown() }

    /// Runs `body` with a started simulator and awaits its stop afterwards, returned or thrown.
    static func with(_ edit: (inout SimulatorConfiguration) -> Void = { _ in }, _ body: (Online) async throws -> Void) async throws {
        try await withFixture({ try await start(edit) }, stop: { await $0.stop() }, body)
    }

    func transport(_ credentials: HTTPCredentials = .none) -> HTTPTransport {
        HTTPTransport(configuration: HTTPTransportConfiguration(
            credentials: credentials, tls: .init(verify: true, caFile: sim.caFile),
            hostPins: sim.exchangeOnlineHostPins, connections: 1))
    }

    /// POSTs a form to the token endpoint (of `tenant`, default the simulated one).
    func tokenRequest(_ fields: [(String, String)], tenant: String? = nil, headers: [HTTPHeader] = [],
                      method: String = "POST") async throws -> (status: Int, json: [String: Any], response: HTTPResponse) {
        let url = "https://\(ExchangeOnlineHosts.login):\(sim.port)/\(tenant ?? entra.tenantID)/oauth2/v2.0/token"
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }.joined(separator: "&")
        let r = try await transport().send(HTTPRequest(method: method, url: url,
                                                       headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")] + headers,
                                                       body: method == "POST" ? Array(body.utf8) : []))
        let json = (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any] ?? [:]
        return (r.status, json, r)
    }

    func clientCredentials(_ app: EntraApplication, scope: String = "https://outlook.office365.com/.default") -> [(String, String)] {
        [("grant_type", "client_credentials"), ("client_id", app.clientID),
         ("client_secret", entra.clientSecret(of: app.clientID) ?? ""), ("scope", scope)]
    }

    /// GetFolder(Inbox) over EWS on outlook.office365.com, optionally impersonating.
    func getInbox(_ credentials: HTTPCredentials, impersonate: String? = nil) async throws -> HTTPResponse {
        var header = #"<t:RequestServerVersion Version="Exchange2013_SP1"/>"#
        if let impersonate {
            header += "<t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>\(impersonate)</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation>"
        }
        let xml = """
            <?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="\(EWSNamespace.soap)" xmlns:m="\(EWSNamespace.messages)" \
            xmlns:t="\(EWSNamespace.types)"><soap:Header>\(header)</soap:Header><soap:Body><m:GetFolder><m:FolderShape>\
            <t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds>\
            </m:GetFolder></soap:Body></soap:Envelope>
            """
        var headers = [HTTPHeader("Content-Type", "text/xml; charset=utf-8")]
        if let impersonate { headers.append(HTTPHeader("X-AnchorMailbox", impersonate)) }
        return try await transport(credentials).send(HTTPRequest(method: "POST", url: sim.outlookURL, headers: headers, body: Array(xml.utf8)))
    }

    func bearer(_ request: AccessTokenRequest) -> HTTPCredentials { .bearer(token: Secret(entra.mintAccessToken(request))) }
    var appToken: HTTPCredentials { bearer(AccessTokenRequest(clientID: entra.consentedApplication.clientID)) }
}

private func fault(_ r: HTTPResponse) throws -> SOAPFault? { try SOAPResponse(bytes: r.body).fault }

@Suite("Simulator: exchange-online flavor (Entra token endpoint, Bearer EWS)")
struct ExchangeOnlineTests {
    @Test("client credentials give a Bearer JWT with Exchange Online's claims, signed RS256")
    func tokenEndpointIssuesAppOnlyJWT() async throws {
        try await Online.with({ $0.exchangeOnline.tokenLifetimeSeconds = 1234 }) { o in
            let app = o.entra.consentedApplication
            let before = Date()
            let (status, json, response) = try await o.tokenRequest(o.clientCredentials(app))
            #expect(status == 200)
            #expect(response.headers.first("Content-Type") == "application/json; charset=utf-8")
            #expect(response.headers.first("Cache-Control") == "no-store, no-cache")
            #expect(json["token_type"] as? String == "Bearer")
            #expect(json["expires_in"] as? Int == 1234)
            #expect(json["ext_expires_in"] as? Int == 1234)
            let token = try #require(json["access_token"] as? String)
            let jwt = try #require(JSONWebToken(token))
            let header = jwt.headerObject
            #expect(header["typ"] as? String == "JWT")
            #expect(header["alg"] as? String == "RS256")
            #expect(header["kid"] as? String != nil && header["kid"] as? String == header["x5t"] as? String)
            #expect(o.entra.signer.verify(jwt))
            let claims = try #require(AccessTokenClaims(jwt: token))
            #expect(claims.audience == "https://outlook.office365.com")
            #expect(claims.issuer == "https://sts.windows.net/\(o.entra.tenantID)/")
            #expect(claims.tenantID == o.entra.tenantID)
            #expect(claims.appID == app.clientID)
            #expect(claims.appDisplayName == app.displayName)
            #expect(claims.objectID == app.servicePrincipalID)
            #expect(claims.identityType == "app")
            #expect(claims.roles == ["full_access_as_app"])
            #expect(claims.scopes.isEmpty)
            let exp = try #require(claims.expiresAt)
            #expect(abs(exp.timeIntervalSince(before) - 1234) < 5)
            #expect(try #require(claims.notBefore) <= before)
            #expect(claims.issuedAt == claims.notBefore)
        }
    }

    @Test("client_secret_basic (RFC 6749 §2.3.1) is accepted like the form field")
    func clientSecretBasicWorks() async throws {
        try await Online.with { o in
            let app = o.entra.consentedApplication
            let basic = Data("\(app.clientID):\(o.entra.clientSecret(of: app.clientID) ?? "")".utf8).base64EncodedString()
            let (status, json, _) = try await o.tokenRequest([("grant_type", "client_credentials"), ("scope", "https://outlook.office365.com/.default")],
                                                             headers: [HTTPHeader("Authorization", "Basic \(basic)")])
            #expect(status == 200)
            #expect(json["access_token"] is String)
        }
    }

    @Test("token endpoint errors carry Entra's status, error, AADSTS code and fields", arguments: [
        ("bad secret", 401, "invalid_client", 7000215),
        ("no secret", 401, "invalid_client", 7000216),
        ("unknown app", 400, "unauthorized_client", 700016),
        ("scope without /.default", 400, "invalid_scope", 1002012),
        ("two scopes", 400, "invalid_scope", 70011),
        ("unknown resource", 400, "invalid_resource", 500011),
        ("bad grant type", 400, "unsupported_grant_type", 70003),
        ("no grant type", 400, "invalid_request", 900144),
        ("unknown tenant", 400, "invalid_request", 90002),
        ("GET", 400, "invalid_request", 900561),
    ])
    func tokenErrors(_ c: (String, Int, String, Int)) async throws {
        let (name, status, error, code) = c
        try await Online.with { o in
            let app = o.entra.consentedApplication
            var fields = o.clientCredentials(app)
            var tenant: String?
            var method = "POST"
            func set(_ key: String, _ value: String?) {
                fields.removeAll { $0.0 == key }
                if let value { fields.append((key, value)) }
            }
            switch name {
            case "bad secret": set("client_secret", "not-the-secret")
            case "no secret": set("client_secret", nil)
            case "unknown app": set("client_id", UUID().uuidString.lowercased())
            case "scope without /.default": set("scope", "https://outlook.office365.com/EWS.AccessAsUser.All")
            case "two scopes": set("scope", "https://outlook.office365.com/.default https://graph.microsoft.com/.default")
            case "unknown resource": set("scope", "https://nothing.example.com/.default")
            case "bad grant type": set("grant_type", "password")
            case "no grant type": set("grant_type", nil)
            case "unknown tenant": tenant = UUID().uuidString.lowercased()
            default: method = "GET"
            }
            let correlation = UUID().uuidString.lowercased()
            let (got, json, response) = try await o.tokenRequest(fields, tenant: tenant, headers: [HTTPHeader("client-request-id", correlation)], method: method)
            #expect(got == status, "\(name)")
            #expect(json["error"] as? String == error, "\(name)")
            #expect(json["error_codes"] as? [Int] == [code], "\(name)")
            let description = try #require(json["error_description"] as? String)
            #expect(description.hasPrefix("AADSTS\(code): "), "\(name): \(description)")
            #expect(description.contains("\r\nTrace ID: \(json["trace_id"] as? String ?? "?")\r\nCorrelation ID: \(correlation)\r\nTimestamp: "))
            #expect(json["correlation_id"] as? String == correlation)
            #expect(json["error_uri"] as? String == "https://login.microsoftonline.com/error?code=\(code)")
            #expect(json["timestamp"] is String)
            #expect(response.headers.first("x-ms-request-id") == json["trace_id"] as? String)
            #expect(Set(json.keys) == ["error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id", "error_uri"])
            #expect(response.text.hasPrefix("{\"error\":"), "Entra writes error first")
            if name == "bad secret" { #expect(!response.text.contains("not-the-secret")) }
        }
    }

    @Test("an app-only token with ExchangeImpersonation reads an in-scope mailbox on outlook.office365.com")
    func appOnlyImpersonationWorks() async throws {
        try await Online.with { o in
            let alice = o.sim.mailboxesInScope[0]
            let (_, json, _) = try await o.tokenRequest(o.clientCredentials(o.entra.consentedApplication))
            let token = try #require(json["access_token"] as? String)
            let r = try await o.getInbox(.bearer(token: Secret(token)), impersonate: alice)
            #expect(r.status == 200)
            let soap = try SOAPResponse(bytes: r.body)
            #expect(soap.serverVersion?.majorVersion == 15)
            let message = try #require(soap.bodyElement?.child("ResponseMessages")?.children.first)
            #expect(message.attribute("ResponseClass") == "Success")
            let record = try #require(o.sim.requestLog.last { $0.operation == "GetFolder" })
            #expect(record.authScheme == "Bearer")
            #expect(record.user == "app:\(o.entra.consentedApplication.clientID)")
            #expect(record.impersonated == alice)
            #expect(record.anchorMailbox == alice)
            #expect(record.host?.hasPrefix(ExchangeOnlineHosts.outlook) == true)
        }
    }

    @Test("request handling, XSD validation and token signing run on the blocking executor, never on an event loop")
    func blockingWorkRunsOnTheExecutor() async throws {
        let executor = BlockingExecutor.shared
        let before = (requests: executor.ranCount("simulator-request"),
                      validation: executor.noted(EWSService.validationWork), signing: executor.noted(TokenSigner.signingWork))
        try await Online.with { o in
            let (_, json, _) = try await o.tokenRequest(o.clientCredentials(o.entra.consentedApplication))
            let token = try #require(json["access_token"] as? String)
            let r = try await o.getInbox(.bearer(token: Secret(token)), impersonate: o.sim.mailboxesInScope[0])
            #expect(r.status == 200)
        }
        let validation = executor.noted(EWSService.validationWork)
        let signing = executor.noted(TokenSigner.signingWork)
        #expect(executor.ranCount("simulator-request") >= before.requests + 2)
        #expect(validation.onExecutor > before.validation.onExecutor, "the GetFolder was validated on the executor")
        #expect(signing.onExecutor > before.signing.onExecutor, "the token was signed on the executor")
        // Across this whole test process, not one validation or signature ran on an event loop.
        #expect(validation.onEventLoop == 0)
        #expect(signing.onEventLoop == 0)
    }

    @Test("an app-only token without ExchangeImpersonation gets EXO's 'must be present' fault")
    func appOnlyWithoutHeaderFaults() async throws {
        try await Online.with { o in
            let r = try await o.getInbox(o.appToken)
            #expect(r.status == 500)
            let f = try #require(try fault(r))
            #expect(f.code == "ErrorInvalidExchangeImpersonationHeaderData")
            #expect(f.message == "ExchangeImpersonation SOAP header must be present for this type of OAuth token.")
        }
    }

    @Test("a delegated token with ExchangeImpersonation gets 'must not exist'; without it reads its own mailbox")
    func delegatedTokenRules() async throws {
        try await Online.with { o in
            let alice = try #require(o.sim.tenant.user(primarySmtp: o.sim.mailboxesInScope[0]))
            var request = AccessTokenRequest(clientID: o.entra.consentedApplication.clientID)
            request.kind = .delegated(user: alice)
            let token = o.entra.mintAccessToken(request)
            let claims = try #require(AccessTokenClaims(jwt: token))
            #expect(claims.identityType == "user")
            #expect(claims.scopes == ["EWS.AccessAsUser.All"])
            #expect(claims.roles.isEmpty)
            let withHeader = try await o.getInbox(.bearer(token: Secret(token)), impersonate: o.sim.mailboxesInScope[1])
            #expect(withHeader.status == 500)
            #expect(try fault(withHeader)?.message == "ExchangeImpersonation SOAP header must not exist for this type of OAuth token.")
            #expect(try fault(withHeader)?.code == "ErrorInvalidExchangeImpersonationHeaderData")
            let own = try await o.getInbox(.bearer(token: Secret(token)))
            #expect(own.status == 200)
            #expect(o.sim.requestLog.last?.user == alice.primarySmtpAddress)
        }
    }

    @Test("the Application Access Policy blocks an out-of-scope mailbox with a bare 403; unknown ones are ErrorNonExistentMailbox")
    func applicationAccessPolicy() async throws {
        try await Online.with { o in
            let erin = try await o.getInbox(o.appToken, impersonate: o.sim.mailboxOutOfScope)
            #expect(erin.status == 403)
            #expect(erin.body.isEmpty)
            let nobody = try await o.getInbox(o.appToken, impersonate: o.sim.nonexistentMailbox)
            #expect(nobody.status == 500)
            #expect(try fault(nobody)?.code == "ErrorNonExistentMailbox")
        }
    }

    @Test("a token without roles (no admin consent) is refused 401 with x-ms-diagnostics 2000008")
    func unconsentedAppIsRefused() async throws {
        try await Online.with { o in
            let (status, json, _) = try await o.tokenRequest(o.clientCredentials(o.entra.unconsentedApplication))
            #expect(status == 200, "Entra issues the token; it just has no roles")
            let token = try #require(json["access_token"] as? String)
            #expect(AccessTokenClaims(jwt: token)?.roles == [])
            #expect(JSONWebToken(token)?.claimsObject["roles"] == nil)
            let r = try await o.getInbox(.bearer(token: Secret(token)), impersonate: o.sim.mailboxesInScope[0])
            #expect(r.status == 401)
            #expect(r.headers.first("x-ms-diagnostics") == #"2000008;reason="The token contains no permissions, or permissions can not be understood.";error_category="invalid_grant""#)
            #expect(r.headers.first("WWW-Authenticate")?.hasPrefix(#"Bearer client_id="00000002-0000-0ff1-ce00-000000000000""#) == true)
            #expect(r.headers.first("WWW-Authenticate")?.hasSuffix(#"error="invalid_token""#) == true)
        }
    }

    @Test("an app that is not on the EWS allow list is refused with 403")
    func notAllowListedAppIsRefused() async throws {
        try await Online.with { o in
            guard case .enforceAllowList(let allowed) = o.entra.ewsApplicationAccessPolicy else {
                Issue.record("the tenant must enforce an EWS allow list")
                return
            }
            #expect(allowed.contains(o.entra.consentedApplication.clientID))
            #expect(!allowed.contains(o.entra.notAllowListedApplication.clientID))
            let (_, json, _) = try await o.tokenRequest(o.clientCredentials(o.entra.notAllowListedApplication))
            let token = try #require(json["access_token"] as? String)
            let r = try await o.getInbox(.bearer(token: Secret(token)), impersonate: o.sim.mailboxesInScope[0])
            #expect(r.status == 403)
            #expect(r.body.isEmpty)
        }
    }

    @Test("bad tokens get 401 invalid_token: garbage, foreign signature, wrong audience, other tenant, expired")
    func badTokensAreRefused() async throws {
        try await Online.with({ $0.exchangeOnline.clockSkewSeconds = 0 }) { o in
            let app = o.entra.consentedApplication.clientID
            let alice = o.sim.mailboxesInScope[0]
            var foreign = AccessTokenRequest(clientID: app)
            foreign.signedByForeignKey = true
            var graph = AccessTokenRequest(clientID: app)
            graph.audience = "https://graph.microsoft.com"
            var stranger = AccessTokenRequest(clientID: app)
            stranger.tenantID = UUID().uuidString.lowercased()
            var expired = AccessTokenRequest(clientID: app)
            expired.lifetime = -1
            let cases: [(String, HTTPCredentials, String)] = [
                ("garbage", .bearer(token: Secret("not.a.jwt")), "2000001;"),
                ("foreign key", o.bearer(foreign), "2000001;"),
                ("graph audience", o.bearer(graph), #"2000003;reason="The audience claim value is invalid 'aud'.";error_category="invalid_resource""#),
                ("other tenant", o.bearer(stranger), "2000002;"),
                ("expired", o.bearer(expired), "2000003;"),
            ]
            for (name, credentials, diagnostics) in cases {
                let r = try await o.getInbox(credentials, impersonate: alice)
                #expect(r.status == 401, "\(name)")
                #expect(r.headers.first("x-ms-diagnostics")?.hasPrefix(diagnostics) == true, "\(name): \(r.headers.first("x-ms-diagnostics") ?? "none")")
                #expect(r.headers.first("WWW-Authenticate")?.contains(#"error="invalid_token""#) == true, "\(name)")
            }
        }
    }

    @Test("Basic and NTLM are refused with 401 that offers only Bearer")
    func basicAndNTLMAreRefused() async throws {
        try await Online.with { o in
            for credentials: HTTPCredentials in [.none, .basic(user: o.sim.serviceAccount, password: Secret(o.sim.serviceAccountPassword)),
                                                 .ntlm(user: o.sim.serviceAccount, password: Secret(o.sim.serviceAccountPassword))] {
                let r = try await o.getInbox(credentials, impersonate: o.sim.mailboxesInScope[0])
                #expect(r.status == 401, "\(credentials.schemeName ?? "none")")
                #expect(r.headers.all("WWW-Authenticate") == [BearerAuthenticator.challenge], "\(credentials.schemeName ?? "none")")
            }
            #expect(o.sim.requestLog.allSatisfy { $0.user == nil })
        }
    }

    @Test("the request log and state files hold neither the client secret nor any token")
    func noSecretsInTheLog() async throws {
        let sentinel = "Sentinel~Secret-\(UUID().uuidString)"
        try await Online.with({ $0.exchangeOnline.clientSecret = sentinel }) { o in
            #expect(o.sim.clientSecret == sentinel)
            let (_, json, _) = try await o.tokenRequest(o.clientCredentials(o.entra.consentedApplication))
            let token = try #require(json["access_token"] as? String)
            _ = try await o.getInbox(.bearer(token: Secret(token)), impersonate: o.sim.mailboxesInScope[0])
            let log = try String(contentsOfFile: try #require(o.sim.configuration.stateDirectory) + "/requests.jsonl", encoding: .utf8)
            #expect(log.contains("\"auth_scheme\":\"Bearer\""))
            #expect(log.contains(#"oauth2\/v2.0\/token"#))
            #expect(!log.contains(sentinel))
            #expect(!log.contains(token))
            #expect(!log.contains(String(token.split(separator: ".")[2])))
        }
    }

    @Test("the certificate covers outlook.office365.com, login.microsoftonline.com and the tenant's domains")
    func certificateNames() async throws {
        try await Online.with { o in
            #expect(o.sim.configuration.hostnames.contains("outlook.office365.com"))
            #expect(o.sim.configuration.hostnames.contains("login.microsoftonline.com"))
            #expect(o.sim.configuration.hostnames.contains("contoso.onmicrosoft.com"))
            #expect(o.entra.domains == ["contoso.com", "contoso.onmicrosoft.com"])
            // Verified TLS to both names (the transport checks the certificate against the name).
            let ews = try await o.transport().send(HTTPRequest(url: o.sim.outlookURL))
            #expect(ews.status == 401)
            let (status, _, _) = try await o.tokenRequest(o.clientCredentials(o.entra.consentedApplication), tenant: "contoso.onmicrosoft.com")
            #expect(status == 200, "the tenant's domain names work in the token endpoint path")
            #expect(o.sim.tokenEndpointURL == "https://login.microsoftonline.com:\(o.sim.port)/\(o.entra.tenantID)/oauth2/v2.0/token")
        }
    }
}
