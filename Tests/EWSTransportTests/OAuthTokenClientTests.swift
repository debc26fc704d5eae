import EWSExecutor
@testable import EWSSimulator
import EWSTestSupport
@testable import EWSTransport
import Foundation
import Synchronization
import Testing

/// A clock tests can move.
private final class TestClock: Sendable {
    /// Frozen at creation: only `advance` moves it, so a loaded machine cannot push a check past a boundary.
    private let current = Mutex<Date>(Date())
    func advance(_ seconds: TimeInterval) { current.locked { $0 = $0.addingTimeInterval(seconds) } }
    var now: @Sendable () -> Date { { [self] in current.locked { $0 } } }
}

private func startOnline(secret: String? = nil, lifetime: Int = 3599) async throws -> Simulator {
    var config = SimulatorConfiguration()
    config.flavor = .exchangeOnline
    config.stateDirectory = try Fixtures.temporaryDirectory("oauth-client")
    config.exchangeOnline.clientSecret = secret
    config.exchangeOnline.tokenLifetimeSeconds = lifetime
    return try await Simulator.start(config)
}

private func transport(_ sim: Simulator) -> HTTPTransport {
    HTTPTransport(configuration: HTTPTransportConfiguration(tls: .init(verify: true, caFile: sim.caFile),
                                                            hostPins: sim.exchangeOnlineHostPins, connections: 2))
}

private func credentials(_ sim: Simulator, secret: String? = nil, scope: String = OAuthClientCredentials.exchangeOnlineScope) throws -> OAuthClientCredentials {
    let own = try #require(sim.clientSecret)
    return OAuthClientCredentials(tokenEndpoint: try #require(sim.tokenEndpointURL), clientID: try #require(sim.clientID),
                                  clientSecret: Secret(secret ?? own), scope: scope)
}

private func tokenRequests(_ sim: Simulator) -> Int { sim.requestLog.filter { $0.operation == "oauth2/v2.0/token" }.count }

/// Everything recorded about an exchange, as text, to search for secrets.
private func evidenceText(_ x: HTTPExchange?) throws -> String {
    guard let x else { return "" }
    let e = JSONEncoder()
    e.outputFormatting = [.withoutEscapingSlashes]
    return String(decoding: try e.encode(x), as: UTF8.self)
}

@Suite("OAuth client credentials token client")
struct OAuthTokenClientTests {
    @Test("gets an app-only Bearer token and reads its claims; the evidence holds neither secret nor token")
    func getsToken() async throws {
        let sentinel = "Sentinel~\(UUID().uuidString)+&=%/"
        try await withSimulator({ try await startOnline(secret: sentinel) }) { sim in
            let token = try await OAuthTokenClient(transport: transport(sim), credentials: credentials(sim)).token()
            #expect(token.tokenType == "Bearer")
            #expect(token.expiresIn == 3599)
            let claims = try #require(token.claims)
            #expect(claims.audience == "https://outlook.office365.com")
            #expect(claims.roles == ["full_access_as_app"])
            #expect(claims.tenantID == sim.tenantID)
            #expect(claims.appID == sim.clientID)
            #expect(claims.identityType == "app")
            #expect(claims.isAppOnly)
            #expect(claims.facts["token_roles"] == "full_access_as_app")
            guard case .bearer(let value) = token.credentials else {
                Issue.record("expected Bearer credentials")
                return
            }
            let raw = value.withUnsafeValue { $0 }
            #expect(raw.split(separator: ".").count == 3)
            let evidence = try evidenceText(token.exchange)
            #expect(!evidence.contains(raw))
            #expect(!evidence.contains(sentinel))
            #expect(!evidence.contains(OAuthTokenClient.formEncode([("s", sentinel)])))
            #expect(token.exchange.requestBody == "[body not recorded: it may hold a secret]")
            #expect(token.exchange.responseBody.contains(#""access_token":"[redacted]""#))
            #expect("\(token.value)" == "<redacted>")
        }
    }

    @Test("a token is reused until five minutes before it expires, then renewed")
    func cachesUntilFiveMinutesBeforeExpiry() async throws {
        try await withSimulator({ try await startOnline(lifetime: 3599) }) { sim in
            let clock = TestClock()
            let client = OAuthTokenClient(transport: transport(sim), credentials: try credentials(sim), now: clock.now)
            let first = try await client.token()
            clock.advance(3599 - 301)
            let second = try await client.token()
            #expect(second.obtainedAt == first.obtainedAt)
            #expect(tokenRequests(sim) == 1)
            clock.advance(2)
            let third = try await client.token()
            #expect(third.obtainedAt > first.obtainedAt)
            #expect(tokenRequests(sim) == 2)
            await client.invalidate()
            _ = try await client.token()
            #expect(tokenRequests(sim) == 3)
        }
    }

    @Test("callers asking at the same time share one token request")
    func concurrentCallersShareOneRequest() async throws {
        try await withSimulator({ try await startOnline() }) { sim in
            let client = OAuthTokenClient(transport: transport(sim), credentials: try credentials(sim))
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 { group.addTask { try await client.token().expiresIn } }
                for try await lifetime in group { #expect(lifetime == 3599) }
            }
            #expect(tokenRequests(sim) == 1)
        }
    }

    @Test("an Entra error becomes a specific message: status, error, AADSTS code, description, trace id", arguments: [
        ("bad secret", 401, "invalid_client", 7000215),
        ("unknown app", 400, "unauthorized_client", 700016),
        ("bad scope", 400, "invalid_scope", 1002012),
        ("unknown tenant", 400, "invalid_request", 90002),
    ])
    func errorsAreSpecific(_ c: (String, Int, String, Int)) async throws {
        let (name, status, error, code) = c
        let sentinel = "Wrong~\(UUID().uuidString)"
        try await withSimulator({ try await startOnline() }) { sim in
            var creds = try credentials(sim)
            switch name {
            case "bad secret": creds.clientSecret = Secret(sentinel)
            case "unknown app": creds.clientID = UUID().uuidString.lowercased()
            case "bad scope": creds.scope = "https://outlook.office365.com/EWS.AccessAsUser.All"
            default: creds.tokenEndpoint = OAuthClientCredentials.microsoftTokenEndpoint(tenant: UUID().uuidString.lowercased())
                .replacingOccurrences(of: "login.microsoftonline.com", with: "login.microsoftonline.com:\(sim.port)")
            }
            let secret = creds.clientSecret.withUnsafeValue { $0 }
            do {
                _ = try await OAuthTokenClient(transport: transport(sim), credentials: creds).token()
                Issue.record("\(name): a token was issued")
            } catch let e as OAuthError {
                #expect(e.code == .refused, "\(name): \(e.kind)")
                #expect(e.httpStatus == status)
                #expect(e.error == error)
                #expect(e.errorCodes == [code])
                #expect(e.errorDescription?.hasPrefix("AADSTS\(code): ") == true)
                #expect(e.message.contains("HTTP \(status) \(error): AADSTS\(code): "), "\(e.message)")
                #expect(e.message.contains("trace id \(e.traceID ?? "?")"))
                #expect(!e.message.contains("\r") && !e.message.contains("\n"), "the trailer lines are cut off")
                #expect(e.traceID != nil && e.correlationID != nil)
                let evidence = try evidenceText(e.exchange)
                #expect(evidence.contains("AADSTS\(code)"), "the error body is kept as evidence")
                #expect(!evidence.contains(secret) && !e.message.contains(secret) && !"\(e)".contains(secret))
            }
        }
    }

    @Test("no answer from the token endpoint is a transport failure, with the endpoint named")
    func unreachableEndpoint() async throws {
        let t = HTTPTransport(configuration: HTTPTransportConfiguration(timeout: .init(connect: 2, request: 5), connections: 1))
        let closed = try ClosedPort()
        defer { closed.close() }
        let endpoint = "https://127.0.0.1:\(closed.port)/tenant/oauth2/v2.0/token"
        let creds = OAuthClientCredentials(tokenEndpoint: endpoint,
                                           clientID: UUID().uuidString, clientSecret: Secret("Secret-Value-1234"))
        do {
            _ = try await OAuthTokenClient(transport: t, credentials: creds).token()
            Issue.record("a token came from nowhere")
        } catch {
            #expect(error.kind == "transport-failed")
            #expect(error.message.contains(endpoint))
            #expect(!error.message.contains("Secret-Value-1234"))
        }
    }

    @Test("the form is x-www-form-urlencoded with every reserved character escaped")
    func formEncoding() {
        #expect(OAuthTokenClient.formEncode([("client_secret", "a b+c&d=e/f~g.h_i-j%")])
                == "client_secret=a%20b%2Bc%26d%3De%2Ff~g.h_i-j%25")
        #expect(OAuthTokenClient.formEncode([("scope", "https://outlook.office365.com/.default"), ("x", "é")])
                == "scope=https%3A%2F%2Foutlook.office365.com%2F.default&x=%C3%A9")
    }

    @Test("claims decode without a signature check; garbage is not a token")
    func claimsDecoding() throws {
        func b64(_ json: String) -> String { Base64URL.encode(Data(json.utf8)) }
        let jwt = b64(#"{"alg":"none"}"#) + "." + b64(#"{"aud":"https://outlook.office365.com","tid":"t","appid":"a","roles":["full_access_as_app"],"exp":2000000000,"scp":"EWS.AccessAsUser.All","idtyp":"user"}"#) + "."
        let claims = try #require(AccessTokenClaims(jwt: jwt))
        #expect(claims.audience == "https://outlook.office365.com")
        #expect(claims.scopes == ["EWS.AccessAsUser.All"])
        #expect(!claims.isAppOnly)
        #expect(claims.expiresAt == Date(timeIntervalSince1970: 2_000_000_000))
        #expect(AccessTokenClaims(jwt: "not a token") == nil)
        #expect(AccessTokenClaims(jwt: "a.b.c") == nil)
        #expect(AccessTokenClaims(jwt: String(repeating: "A", count: 20_000) + ".e30.") == nil)
        #expect(Base64URL.decode("e30") == Data("{}".utf8))
        #expect(Base64URL.decode("e3+") == nil)
    }
}
