import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// Authentication, routing and Autodiscover of the simulator, at the HTTP level.
@Suite struct SimulatorHTTPTests {
    static func transport(_ sim: Simulator, _ creds: HTTPCredentials) -> HTTPTransport {
        HTTPTransport(configuration: HTTPTransportConfiguration(
            credentials: creds, tls: .init(verify: true, caFile: sim.caFile),
            hostPins: [HostPin(host: "mail.contoso.com", port: sim.port, address: "127.0.0.1"),
                       HostPin(host: "autodiscover.contoso.com", port: sim.port, address: "127.0.0.1")], connections: 1))
    }

    @Test(arguments: ["svc-ewscheck@contoso.com", "CONTOSO\\svc-ewscheck", "svc-ewscheck"])
    func basicAcceptsEverySignInNameForm(_ name: String) async throws {
        try await Fixtures.withSimulator(validate: false) { sim in
            let ok = try await Self.transport(sim, .basic(user: name, password: Secret(sim.serviceAccountPassword))).send(HTTPRequest(url: sim.ewsURL))
            #expect(ok.status == 200)
            let ntlm = try await Self.transport(sim, .ntlm(user: name, password: Secret(sim.serviceAccountPassword))).send(HTTPRequest(url: sim.ewsURL))
            #expect(ntlm.status == 200)
        }
    }

    @Test func wrongPasswordsAndUnknownAccountsGet401() async throws {
        try await Fixtures.withSimulator(validate: false) { sim in
            for creds: HTTPCredentials in [.basic(user: sim.serviceAccount, password: Secret("nope")),
                                           .ntlm(user: sim.serviceAccount, password: Secret("nope")),
                                           .basic(user: "mallory@contoso.com", password: Secret("x")),
                                           .basic(user: "alice@contoso.com", password: Secret("x"))] {
                let r = try await Self.transport(sim, creds).send(HTTPRequest(method: "POST", url: sim.ewsURL, body: Array("<x/>".utf8)))
                #expect(r.status == 401)
            }
            let log = sim.requestLog
            #expect(log.allSatisfy { $0.user == nil })
            #expect(log.contains { $0.authScheme == "NTLM" })
        }
    }

    @Test func pathsAreCaseInsensitiveAndUnknownOnesAre404() async throws {
        try await Fixtures.withSimulator(validate: false) { (sim: Simulator) async throws in
            let t = Self.transport(sim, .basic(user: sim.serviceAccount, password: Secret(sim.serviceAccountPassword)))
            #expect(try await t.send(HTTPRequest(url: "https://mail.contoso.com:\(sim.port)/ews/exchange.asmx")).status == 200)
            #expect(try await t.send(HTTPRequest(url: "https://mail.contoso.com:\(sim.port)/owa/")).status == 404)
        }
    }

    @Test func poxAutodiscoverGivesTheEWSURL() async throws {
        try await Fixtures.withSimulator(validate: false) { sim in
            let t = Self.transport(sim, .basic(user: sim.serviceAccount, password: Secret(sim.serviceAccountPassword)))
            func ask(_ address: String) async throws -> String {
                let body = #"<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>\#(address)</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>"#
                return try await t.send(HTTPRequest(method: "POST", url: sim.autodiscoverURL, headers: [HTTPHeader("Content-Type", "text/xml")], body: Array(body.utf8))).text
            }
            let known = try await ask("alice@contoso.com")
            #expect(known.contains("<EwsUrl>\(sim.ewsURL)</EwsUrl>"))
            #expect(known.contains("<Action>settings</Action>"))
            let unknown = try await ask("ghost@contoso.com")
            #expect(unknown.contains("<ErrorCode>500</ErrorCode>"))
            let garbage = try await t.send(HTTPRequest(method: "POST", url: sim.autodiscoverURL, body: Array("junk".utf8))).text
            #expect(garbage.contains("<ErrorCode>600</ErrorCode>"))
        }
    }

    @Test func requestLogNeverHoldsCredentials() async throws {
        let sentinel = "Sentinel-Pw-\(UUID().uuidString)"
        try await Fixtures.withSimulator(password: sentinel, validate: false) { sim in
            _ = try await Self.transport(sim, .basic(user: sim.serviceAccount, password: Secret(sentinel))).send(HTTPRequest(url: sim.ewsURL))
            _ = try await Self.transport(sim, .ntlm(user: sim.serviceAccount, password: Secret(sentinel))).send(HTTPRequest(url: sim.ewsURL))
            let logFile = try #require(sim.configuration.stateDirectory).appending("/requests.jsonl")
            let text = try String(contentsOfFile: logFile, encoding: .utf8)
            #expect(text.contains("\"auth_scheme\":\"Basic\""))
            #expect(!text.contains(sentinel))
            #expect(!text.contains(Data("\(sim.serviceAccount):\(sentinel)".utf8).base64EncodedString()))
        }
    }

    @Test func oversizedRequestsAreRefused() async throws {
        var config = SimulatorConfiguration()
        config.stateDirectory = try Fixtures.temporaryDirectory("sim")
        config.maxRequestBytes = 1024
        try await withSimulator({ try await Simulator.start(config) }) { sim in
            let t = Self.transport(sim, .basic(user: sim.serviceAccount, password: Secret(sim.serviceAccountPassword)))
            let r = try await t.send(HTTPRequest(method: "POST", url: sim.ewsURL, body: Array(repeating: 0x41, count: 4096)))
            #expect(r.status == 413)
        }
    }
}
