import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// The transport's TLS facts (what Discovery shows per host) against `openssl s_server` held to
/// one protocol version and cipher: what is reported is what the handshake negotiated, read from
/// libcurl's OpenSSL session.
@Suite struct TLSHandshakeFactsTests {
    /// A server version and cipher setting, and what the client must then report.
    struct Forced: Sendable, CustomTestStringConvertible {
        var arguments: [String]
        var version: String
        var cipher: String
        var testDescription: String { "\(version) \(cipher)" }
    }

    static let forced = [
        Forced(arguments: ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256"], version: "TLSv1.2", cipher: "ECDHE-RSA-AES128-GCM-SHA256"),
        Forced(arguments: ["-tls1_2", "-cipher", "ECDHE-RSA-CHACHA20-POLY1305"], version: "TLSv1.2", cipher: "ECDHE-RSA-CHACHA20-POLY1305"),
        Forced(arguments: ["-tls1_3", "-ciphersuites", "TLS_CHACHA20_POLY1305_SHA256"], version: "TLSv1.3", cipher: "TLS_CHACHA20_POLY1305_SHA256"),
        Forced(arguments: ["-tls1_3", "-ciphersuites", "TLS_AES_128_GCM_SHA256"], version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256"),
    ]

    /// Starts `openssl s_server` with the test PKI's server certificate and `extra` arguments on
    /// a port the system picks (port 0; the server names it in its ACCEPT line).
    static func startServer(_ pki: ClientCertificateTLSTests.PKI, _ extra: [String]) async throws -> (ChildProcess, Int) {
        try await ClientCertificateTLSTests.startOpenSSLServer([
            "-cert", pki.dir + "/server.pem", "-key", pki.dir + "/server.key", "-www",
        ] + extra)
    }

    static func facts(port: Int, caFile: String?) async -> TLSHandshakeFacts {
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(tls: .init(verify: true, caFile: caFile), connections: 1))
        let facts = await transport.tlsFacts(host: "127.0.0.1", port: port, timeoutSeconds: 10)
        transport.shutdown()
        return facts
    }

    @Test("the protocol version and cipher are the ones the server forced", arguments: forced)
    func versionAndCipherComeFromTheSession(_ forced: Forced) async throws {
        let pki = try await ClientCertificateTLSTests.makePKI()
        let (server, port) = try await Self.startServer(pki, forced.arguments)
        let facts = await Self.facts(port: port, caFile: pki.ca)
        server.send(SIGKILL)
        _ = await server.wait(timeout: .seconds(10))

        #expect(facts.handshakeError == nil)
        #expect(facts.verified, "\(facts.verifyError ?? "")")
        #expect(facts.protocolVersion == forced.version)
        #expect(facts.cipher == forced.cipher)
        #expect(facts.certificate.fields["Subject"]?.contains("CN = localhost") == true || facts.certificate.fields["Subject"]?.contains("CN=localhost") == true,
                "\(facts.certificate.fields)")
        #expect(facts.certificate.subjectAltNames.contains("DNS:localhost"))
    }

    @Test("a certificate that does not verify is still described, with the protocol of the handshake that read it")
    func unverifiedCertificateIsDescribed() async throws {
        let pki = try await ClientCertificateTLSTests.makePKI()
        let (server, port) = try await Self.startServer(pki, ["-tls1_2", "-cipher", "ECDHE-RSA-AES256-GCM-SHA384"])
        // No CA file: the test CA is not trusted.
        let facts = await Self.facts(port: port, caFile: nil)
        server.send(SIGKILL)
        _ = await server.wait(timeout: .seconds(10))

        #expect(facts.handshakeError == nil)
        #expect(!facts.verified)
        #expect(facts.verifyError?.isEmpty == false)
        #expect([19, 20, 21].contains(facts.verifyResult ?? -1), "an untrusted issuer; got \(String(describing: facts.verifyResult))")
        #expect(facts.certificate.fields["Issuer"]?.contains("ewscheck mTLS test CA") == true, "\(facts.certificate.fields)")
        #expect(facts.protocolVersion == "TLSv1.2")
        #expect(facts.cipher == "ECDHE-RSA-AES256-GCM-SHA384")
    }

    @Test("no server: a handshake error and no protocol, cipher or certificate")
    func noServerIsAHandshakeError() async throws {
        let closed = try ClosedPort()
        defer { closed.close() }
        let facts = await Self.facts(port: closed.port, caFile: nil)
        #expect(facts.handshakeError?.isEmpty == false)
        #expect(!facts.verified)
        #expect(facts.protocolVersion == nil && facts.cipher == nil)
        #expect(facts.certificate.fields.isEmpty)
    }

    @Test("a cancelled probe of a server that never answers the handshake ends at once, not at its time limit")
    func cancellationAbortsTheHandshake() async throws {
        let (helloArrived, arrival) = AsyncStream<Void>.makeStream()
        // Reads the ClientHello and never answers it.
        let server = try RawServer { _ in
            arrival.yield()
            return nil
        }
        defer { server.stop() }
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(connections: 1))
        defer { transport.shutdown() }
        let probe = Task { await transport.tlsFacts(host: "127.0.0.1", port: server.port, timeoutSeconds: 120) }
        var arrivals = helloArrived.makeAsyncIterator()
        _ = await arrivals.next()
        let cancelled = ContinuousClock.now
        probe.cancel()
        let facts = await probe.value
        #expect(facts.handshakeError == TLSHandshakeFacts.cancelled)
        #expect(ContinuousClock.now - cancelled < .seconds(30), "libcurl checks for cancellation about once a second (the limit is 120 s; 30 s allows a loaded machine)")
        #expect(server.connections == 1, "no second handshake after the cancelled one")
    }

    @Test("a shut-down transport answers with a handshake error instead of hanging")
    func shutDownTransport() async throws {
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(connections: 1))
        transport.shutdown()
        let closed = try ClosedPort()
        defer { closed.close() }
        let facts = await transport.tlsFacts(host: "127.0.0.1", port: closed.port, timeoutSeconds: 1)
        #expect(facts.handshakeError == "the transport was shut down")
    }
}
