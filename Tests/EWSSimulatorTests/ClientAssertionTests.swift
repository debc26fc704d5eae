@testable import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// The simulated token endpoint authenticates applications by certificate: a client assertion
/// signed with a registered certificate, for the right audience, in its time range, used once.
@Suite("Token endpoint: client assertions (certificate credentials)")
struct ClientAssertionTests {
    /// An exchange-online simulator, the consented app's issued certificate, and a form poster.
    struct Setup {
        let sim: Simulator
        let entra: EntraTenant
        let certificate: ClientCertificate
        var endpoint: String { "https://\(ExchangeOnlineHosts.login):\(sim.port)/\(entra.tenantID)/oauth2/v2.0/token" }
        var clientID: String { entra.consentedApplication.clientID }

        static func start() async throws -> Setup {
            try Fixtures.requireShared()
            var config = SimulatorConfiguration()
            config.flavor = .exchangeOnline
            config.stateDirectory = try Fixtures.temporaryDirectory("assertion")
            let sim = try await Simulator.start(config)
            let entra = try #require(sim.entra)
            let issued = try entra.issueCertificate(for: entra.consentedApplication.clientID)
            let certificate = try ClientCertificate(certificatePEM: issued.certificatePEM, privateKeyPEM: issued.privateKeyPEM)
            return Setup(sim: sim, entra: entra, certificate: certificate)
        }

        /// Runs `body` with a started setup and awaits the simulator's shutdown afterwards, returned or thrown.
        static func with(_ body: (Setup) async throws -> Void) async throws {
            try await withFixture({ try await start() }, stop: { await $0.sim.shutdown() }, body)
        }

        func post(assertion: String, clientID: String? = nil) async throws -> (status: Int, json: [String: Any]) {
            let transport = HTTPTransport(configuration: HTTPTransportConfiguration(
                tls: .init(verify: true, caFile: sim.caFile), hostPins: sim.exchangeOnlineHostPins, connections: 1))
            defer { transport.shutdown() }
            let form = [("grant_type", "client_credentials"), ("client_id", clientID ?? self.clientID),
                        ("scope", "https://outlook.office365.com/.default"),
                        ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                        ("client_assertion", assertion)]
            let body = form.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0.1)" }.joined(separator: "&")
            let r = try await transport.send(HTTPRequest(method: "POST", url: endpoint,
                                                         headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded")],
                                                         body: Array(body.utf8), bodyIsSensitive: true))
            return (r.status, (try? JSONSerialization.jsonObject(with: Data(r.body))) as? [String: Any] ?? [:])
        }

        func assertion(clientID: String? = nil, audience: String? = nil, now: Date = Date()) throws -> String {
            try certificate.assertion(clientID: clientID ?? self.clientID, tokenEndpoint: audience ?? endpoint, now: now)
                .withUnsafeValue { $0 }
        }
    }

    static func codes(_ json: [String: Any]) -> [Int] { (json["error_codes"] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } ?? [] }
    static func description(_ json: [String: Any]) -> String { json["error_description"] as? String ?? "" }

    @Test("a fresh assertion signed with the registered certificate buys an app-only token")
    func validAssertion() async throws {
        try await Setup.with { s in
            let (status, json) = try await s.post(assertion: try s.assertion())
            #expect(status == 200, "\(json)")
            let token = try #require(json["access_token"] as? String)
            let claims = try #require(AccessTokenClaims(jwt: token))
            #expect(claims.roles == ["full_access_as_app"])
            #expect(claims.appID == s.clientID)
        }
    }

    @Test("the same assertion a second time is refused: its jti was already redeemed")
    func replayRefused() async throws {
        try await Setup.with { s in
            let assertion = try s.assertion()
            #expect(try await s.post(assertion: assertion).status == 200)
            let (status, json) = try await s.post(assertion: assertion)
            #expect(status == 401)
            #expect(json["error"] as? String == "invalid_client")
            #expect(Self.codes(json) == [ClientAssertionValidator.replayCode])
            #expect(Self.description(json).contains("already been used"))
        }
    }

    @Test("an expired assertion gets AADSTS700024 with the times, as Entra words it")
    func expiredRefused() async throws {
        try await Setup.with { s in
            let (status, json) = try await s.post(assertion: try s.assertion(now: Date().addingTimeInterval(-3600)))
            #expect(status == 401)
            #expect(Self.codes(json) == [700024])
            #expect(Self.description(json).hasPrefix("AADSTS700024: Client assertion is not within its valid time range. Current time: "))
            #expect(Self.description(json).contains("expiry time of assertion"))
        }
    }

    @Test("an assertion for another audience gets AADSTS700023")
    func wrongAudience() async throws {
        try await Setup.with { s in
            let other = "https://login.microsoftonline.com/common/oauth2/v2.0/token"
            let (status, json) = try await s.post(assertion: try s.assertion(audience: other))
            #expect(status == 401)
            #expect(Self.codes(json) == [700023])
            #expect(Self.description(json).contains("Client assertion audience claim does not match Realm issuer."))
        }
    }

    @Test("a certificate not registered on the app gets AADSTS700027 'The key was not found' with its thumbprint")
    func unregisteredCertificate() async throws {
        try await Setup.with { s in
            // Registered on another application, so unknown to this one.
            let issued = try s.entra.issueCertificate(for: s.entra.unconsentedApplication.clientID)
            let stranger = try ClientCertificate(certificatePEM: issued.certificatePEM, privateKeyPEM: issued.privateKeyPEM)
            let assertion = try stranger.assertion(clientID: s.clientID, tokenEndpoint: s.endpoint).withUnsafeValue { $0 }
            let (status, json) = try await s.post(assertion: assertion)
            #expect(status == 401)
            #expect(Self.codes(json) == [700027])
            #expect(Self.description(json).contains("Reason - The key was not found., Thumbprint of key used by client: '\(stranger.thumbprintHex)'"))
        }
    }

    @Test("a tampered assertion fails signature validation (AADSTS700027)")
    func tamperedSignature() async throws {
        try await Setup.with { s in
            let parts = try s.assertion().split(separator: ".").map(String.init)
            let payloadData = try #require(Base64URL.decode(parts[1]))
            var claims = try #require(JSONSerialization.jsonObject(with: payloadData) as? [String: Any])
            claims["exp"] = Int(Date().timeIntervalSince1970) + 86400 * 365
            let payload = Base64URL.encode(try JSONSerialization.data(withJSONObject: claims))
            let (status, json) = try await s.post(assertion: [parts[0], payload, parts[2]].joined(separator: "."))
            #expect(status == 401)
            #expect(Self.codes(json) == [700027])
            #expect(Self.description(json).contains("The provided signature value did not match the expected signature value."))
        }
    }

    @Test("an assertion issued for another client id gets AADSTS700021")
    func issuerMismatch() async throws {
        try await Setup.with { s in
            let (status, json) = try await s.post(assertion: try s.assertion(clientID: s.entra.unconsentedApplication.clientID))
            #expect(status == 401)
            #expect(Self.codes(json) == [700021])
        }
    }

    @Test("the request log and error bodies never hold the assertion")
    func assertionNotLogged() async throws {
        try await Setup.with { s in
            let assertion = try s.assertion()
            _ = try await s.post(assertion: assertion)
            let (_, json) = try await s.post(assertion: assertion)
            let signature = String(assertion.split(separator: ".").last ?? "")
            let log = try JSONEncoder().encode(s.sim.requestLog)
            #expect(!String(decoding: log, as: UTF8.self).contains(signature))
            #expect(!Self.description(json).contains(signature))
        }
    }
}
