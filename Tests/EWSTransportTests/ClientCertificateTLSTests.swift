import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// Mutual TLS against `openssl s_server -Verify 1` (an independent TLS server that refuses a
/// handshake without a client certificate signed by its CA).
@Suite struct ClientCertificateTLSTests {
    struct PKI {
        var dir: String
        var ca: String { dir + "/ca.pem" }
        var clientCertificate: String { dir + "/client.pem" }
        var clientKey: String { dir + "/client.key" }
    }

    /// A CA, a server and a client certificate made by openssl (without blocking a cooperative thread).
    static func makePKI() async throws -> PKI {
        let dir = try Fixtures.temporaryDirectory("mtls")
        func ssl(_ args: [String]) async throws {
            let r = try await ChildProcess.run("/usr/bin/openssl", args, directory: dir)
            try #require(r.status == 0, "openssl \(args.joined(separator: " ")) failed: \(r.stderr)")
        }
        try await ssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=ewscheck mTLS test CA"])
        try await ssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"])
        try "subjectAltName=DNS:localhost,IP:127.0.0.1\n".write(toFile: dir + "/san.ext", atomically: true, encoding: .utf8)
        try await ssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext"])
        try await ssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=ewscheck client"])
        try await ssl(["x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2"])
        return PKI(dir: dir)
    }

    /// Starts `openssl s_server` that asks for a client certificate, on a port the system picks.
    static func startServer(_ pki: PKI) async throws -> (ChildProcess, Int) {
        try await startOpenSSLServer([
            "-cert", pki.dir + "/server.pem", "-key", pki.dir + "/server.key", "-CAfile", pki.ca, "-Verify", "1", "-www",
        ])
    }

    /// Starts `openssl s_server` with `arguments` on 127.0.0.1, port 0 (the system picks a free one),
    /// and reads the port from the server's `ACCEPT 127.0.0.1:PORT` line.
    static func startOpenSSLServer(_ arguments: [String]) async throws -> (ChildProcess, Int) {
        let child = try ChildProcess("/usr/bin/openssl", ["s_server", "-accept", "127.0.0.1:0"] + arguments)
        @Sendable func acceptedPort(_ output: String) -> Int? {
            output.firstMatch(of: /ACCEPT 127\.0\.0\.1:(\d+)\s/).flatMap { Int($0.1) }
        }
        if await child.waitUntil(timeout: .seconds(30), { acceptedPort($0.stdout) != nil || $0.termination != nil }),
           let port = acceptedPort(child.stdout) {
            return (child, port)
        }
        await child.terminate()
        throw FixtureError("openssl s_server did not start: \(child.stdout) \(child.stderr)")
    }

    @Test("with --client-cert the handshake presents the certificate; without it the server refuses")
    func clientCertificateIsPresented() async throws {
        let pki = try await Self.makePKI()
        let (server, port) = try await Self.startServer(pki)
        let url = "https://127.0.0.1:\(port)/"
        let with = HTTPTransport(configuration: HTTPTransportConfiguration(
            tls: .init(verify: true, caFile: pki.ca, clientCertificateFile: pki.clientCertificate, clientKeyFile: pki.clientKey), connections: 1))
        let withResult = await attempt { try await with.send(HTTPRequest(url: url), sendCredentials: false) }
        with.shutdown()
        let without = HTTPTransport(configuration: HTTPTransportConfiguration(tls: .init(verify: true, caFile: pki.ca), connections: 1))
        let withoutResult = await attempt { try await without.send(HTTPRequest(url: url), sendCredentials: false) }
        without.shutdown()
        server.send(SIGKILL)
        _ = await server.wait(timeout: .seconds(10))

        let response = try withResult.get()
        #expect(response.status == 200)
        #expect(response.text.contains("Client certificate"), "s_server shows the certificate it received")
        #expect(response.text.contains("CN=ewscheck client") || response.text.contains("CN = ewscheck client"))
        #expect(throws: TransportError.self) { try withoutResult.get() }
    }

    @Test("a client certificate file that cannot be used is a TLS error naming it, not a silent anonymous handshake")
    func unusableClientCertificateIsNamed() async throws {
        let pki = try await Self.makePKI()
        let bogus = pki.dir + "/bogus.pem"
        try "not a certificate\n".write(toFile: bogus, atomically: true, encoding: .utf8)
        let (server, port) = try await Self.startServer(pki)
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(
            tls: .init(verify: true, caFile: pki.ca, clientCertificateFile: bogus, clientKeyFile: pki.clientKey), connections: 1))
        let result = await attempt { try await transport.send(HTTPRequest(url: "https://127.0.0.1:\(port)/"), sendCredentials: false) }
        transport.shutdown()
        server.send(SIGKILL)
        _ = await server.wait(timeout: .seconds(10))
        guard case .failure(let error) = result, let e = error as? TransportError else {
            Issue.record("expected a transport error, got \(result)")
            return
        }
        #expect(e.kind == "tls-failed")
        #expect(e.message.contains("bogus.pem"))
    }
}

/// The outcome of an async throwing call, as a value.
func attempt<T>(_ body: () async throws -> T) async -> Result<T, any Error> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
