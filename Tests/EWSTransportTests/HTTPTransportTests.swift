import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// The transport against the simulator's real HTTPS endpoint and against raw sockets that misbehave.
@Suite struct HTTPTransportTests {
    static func configuration(_ sim: Simulator, credentials: HTTPCredentials = .none, verify: Bool = true,
                              caFile: String? = nil, connections: Int = 1) -> HTTPTransportConfiguration {
        HTTPTransportConfiguration(credentials: credentials, tls: .init(verify: verify, caFile: caFile ?? sim.caFile),
                                   hostPins: [HostPin(host: "mail.contoso.com", port: sim.port, address: "127.0.0.1")],
                                   connections: connections)
    }

    @Test func unauthenticatedRequestGets401WithTheOfferedSchemes() async throws {
        try await Fixtures.withSimulator(validate: false) { sim in
            let transport = HTTPTransport(configuration: Self.configuration(sim))
            let response = try await transport.send(HTTPRequest(url: sim.ewsURL))
            #expect(response.status == 401)
            let offers = response.headers.all("WWW-Authenticate")
            #expect(offers.contains("NTLM"))
            #expect(offers.contains { $0.hasPrefix("Basic realm=") })
            #expect(response.exchange.legs.count == 1)
            #expect(response.exchange.remoteAddress == "127.0.0.1")
        }
    }

    @Test func ntlmAuthenticatesTheConnectionOnceAndReusesIt() async throws {
        try await Fixtures.withSimulator(validate: false) { sim in
            let creds = HTTPCredentials.ntlm(user: "CONTOSO\\svc-ewscheck", password: Secret(sim.serviceAccountPassword))
            let transport = HTTPTransport(configuration: Self.configuration(sim, credentials: creds, connections: 1))
            let first = try await transport.send(HTTPRequest(url: sim.ewsURL))
            let second = try await transport.send(HTTPRequest(url: sim.ewsURL))
            #expect(first.status == 200)
            #expect(first.exchange.legs.map(\.status) == [401, 200], "NTLM: negotiate/challenge leg, then authenticated leg")
            #expect(first.exchange.newConnections == 1)
            #expect(second.status == 200)
            #expect(second.exchange.newConnections == 0, "the kept-alive connection is reused")
            #expect(second.exchange.legs.count == 1, "an NTLM-authenticated connection needs no new handshake")
            let authHeaders = (first.exchange.legs + second.exchange.legs).flatMap(\.requestHeaders).filter { $0.name == "Authorization" }
            #expect(!authHeaders.isEmpty)
            #expect(authHeaders.allSatisfy { $0.value == "NTLM [redacted]" })
        }
    }

    @Test func basicWithAWrongPasswordIsAnAnswerNotAnError() async throws {
        try await Fixtures.withSimulator(validate: false) { sim in
            let creds = HTTPCredentials.basic(user: sim.serviceAccount, password: Secret("wrong-password"))
            let transport = HTTPTransport(configuration: Self.configuration(sim, credentials: creds))
            let response = try await transport.send(HTTPRequest(url: sim.ewsURL))
            #expect(response.status == 401)
            let recorded = String(decoding: try JSONEncoder().encode(response.exchange), as: UTF8.self)
            #expect(!recorded.contains("wrong-password"))
            #expect(!recorded.contains(Data("\(sim.serviceAccount):wrong-password".utf8).base64EncodedString()))
        }
    }

    @Test func certificateIsVerifiedByDefault() async throws {
        try await Fixtures.withSimulator(validate: false) { (sim: Simulator) async throws in
            // No CA file: the system store does not know the simulator's CA.
            var config = Self.configuration(sim)
            config.tls.caFile = "/dev/null/none"
            config.tls = .init(verify: true, caFile: nil)
            let strict = HTTPTransport(configuration: config)
            await #expect {
                _ = try await strict.send(HTTPRequest(url: sim.ewsURL))
            } throws: { error in
                (error as? TransportError)?.code == .tlsFailed
            }
            config.tls = .init(verify: false, caFile: nil)
            let insecure = HTTPTransport(configuration: config)
            #expect(try await insecure.send(HTTPRequest(url: sim.ewsURL)).status == 401)
        }
    }

    @Test func hostNameMustMatchTheCertificate() async throws {
        try await Fixtures.withSimulator(validate: false) { sim in
            var config = Self.configuration(sim)
            config.hostPins = [HostPin(host: "evil.example.net", port: sim.port, address: "127.0.0.1")]
            let transport = HTTPTransport(configuration: config)
            await #expect {
                _ = try await transport.send(HTTPRequest(url: "https://evil.example.net:\(sim.port)/EWS/Exchange.asmx"))
            } throws: { error in
                (error as? TransportError)?.code == .tlsFailed
            }
        }
    }

    @Test func credentialsAreNeverSentOverPlainHTTP() async throws {
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(
            credentials: .basic(user: "u", password: Secret("p"))))
        let closed = try ClosedPort()
        defer { closed.close() }
        await #expect {
            _ = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(closed.port)/EWS/Exchange.asmx"))
        } throws: { error in
            (error as? TransportError)?.code == .insecureCredentials
        }
    }

    @Test func relativeOrOddURLsAreRefused() async throws {
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration())
        for url in ["/EWS/Exchange.asmx", "ftp://x/y", "file:///etc/passwd"] {
            await #expect(throws: TransportError.self) { _ = try await transport.send(HTTPRequest(url: url)) }
        }
    }

    @Test func responseBodiesAreCapped() async throws {
        let server = try RawServer { _ in
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 100000\r\n\r\n" + String(repeating: "x", count: 100_000)
        }
        defer { server.stop() }
        var config = HTTPTransportConfiguration()
        config.maxResponseBytes = 10_000
        let transport = HTTPTransport(configuration: config)
        await #expect {
            _ = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"))
        } throws: { error in
            (error as? TransportError)?.code == .responseTooLarge
        }
    }

    @Test func aServerThatNeverAnswersTimesOut() async throws {
        let server = try RawServer { _ in nil }
        defer { server.stop() }
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(timeout: .init(connect: 2, request: 0.5)))
        await #expect {
            _ = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"))
        } throws: { error in
            (error as? TransportError)?.code == .timedOut
        }
    }

    @Test func aClosedPortIsAConnectFailure() async throws {
        let closed = try ClosedPort()
        defer { closed.close() }
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration())
        await #expect {
            _ = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(closed.port)/"))
        } throws: { error in
            (error as? TransportError)?.code == .connectFailed
        }
    }

    @Test func garbageInsteadOfHTTPIsAProtocolError() async throws {
        let server = try RawServer { _ in "\u{0}\u{1}SSH-2.0-OpenSSH\r\n\r\n" }
        defer { server.stop() }
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration())
        await #expect(throws: TransportError.self) {
            _ = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"))
        }
    }

    @Test func redirectsAreReturnedNotFollowed() async throws {
        let server = try RawServer { _ in
            "HTTP/1.1 302 Found\r\nLocation: https://elsewhere.example/ews\r\nContent-Length: 0\r\n\r\n"
        }
        defer { server.stop() }
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration())
        let response = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"))
        #expect(response.status == 302)
        #expect(response.headers.first("Location") == "https://elsewhere.example/ews")
    }
}
