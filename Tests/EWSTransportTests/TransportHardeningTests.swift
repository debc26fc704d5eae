import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// The transport's own guarantees: refused options and injected headers stop a request before
/// anything is sent, cancellation aborts a transfer in flight, proxies are used only when named,
/// IPv6 literals and client certificates work, and a TLS failure names the certificate.
@Suite struct TransportHardeningTests {
    static let ok = RawServer.http("200 OK", headers: ["Content-Type: text/plain"], body: "hello")

    @Test("a CR, LF or NUL in any header value is refused in the transport, and nothing reaches the server",
          arguments: ["alice@contoso.com\r\nX-Injected: 1", "alice@contoso.com\nX: y", "alice@contoso.com\u{0}"])
    func headerInjectionIsRefused(value: String) async throws {
        let server = try RawServer { _ in Self.ok }
        defer { server.stop() }
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(connections: 1))
        defer { transport.shutdown() }
        let request = HTTPRequest(url: "http://127.0.0.1:\(server.port)/", headers: [HTTPHeader("X-AnchorMailbox", value)])
        await #expect {
            _ = try await transport.send(request, sendCredentials: false)
        } throws: { error in
            let e = error as? TransportError
            return e?.kind == "invalid-header" && e?.message.contains("X-AnchorMailbox") == true && e?.message.contains("\r") == false
        }
        // A clean request afterwards goes through, so the server was there all along.
        let response = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"), sendCredentials: false)
        #expect(response.status == 200)
        #expect(server.connections == 1, "only the clean request reached the server")
    }

    @Test("an option libcurl refuses is a distinct error (option-refused) and the request is not sent")
    func refusedOptionIsReported() async throws {
        let server = try RawServer { _ in Self.ok }
        defer { server.stop() }
        // libcurl refuses a negative size limit with CURLE_BAD_FUNCTION_ARGUMENT.
        var configuration = HTTPTransportConfiguration(connections: 1)
        configuration.maxResponseBytes = -1
        let transport = HTTPTransport(configuration: configuration)
        defer { transport.shutdown() }
        await #expect {
            _ = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"), sendCredentials: false)
        } throws: { error in
            let e = error as? TransportError
            return e?.kind == "option-refused" && e?.message.contains("CURLOPT_MAXFILESIZE_LARGE") == true
        }
        #expect(server.connections == 0)
    }

    @Test("a time limit of zero or less is refused, not silently turned into no limit")
    func nonPositiveTimeoutIsRefused() async throws {
        let server = try RawServer { _ in Self.ok }
        defer { server.stop() }
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(timeout: .init(connect: 10, request: 0), connections: 1))
        defer { transport.shutdown() }
        await #expect {
            _ = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"), sendCredentials: false)
        } throws: { error in
            let e = error as? TransportError
            return e?.kind == "option-refused" && e?.message.contains("CURLOPT_TIMEOUT_MS") == true
        }
        #expect(server.connections == 0)
    }

    @Test("cancelling the awaiting task aborts a request in flight with a cancellation error, long before its timeout")
    func cancellationAbortsInFlight() async throws {
        let arrived = TestEvent()
        let server = try RawServer { _ in arrived.signal(); return nil }  // accepts, reads, never answers
        defer { server.stop() }
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(timeout: .init(connect: 5, request: 60), connections: 1))
        defer { transport.shutdown() }
        let url = "http://127.0.0.1:\(server.port)/slow"
        let task = Task { () -> TransportError? in
            do {
                _ = try await transport.send(HTTPRequest(url: url), sendCredentials: false)
                return nil
            } catch let error as TransportError {
                return error
            } catch {
                return nil
            }
        }
        // Wait until the server has read the request: it is really on the wire.
        #expect(await arrived.wait(timeout: .seconds(30)), "the server read the request")
        #expect(!server.requests.isEmpty, "the request reached the server before the cancel")
        let cancelled = ContinuousClock.now
        task.cancel()
        let error = await task.value
        let took = ContinuousClock.now - cancelled
        #expect(error?.kind == "cancelled", "got \(String(describing: error))")
        #expect(error?.exchange?.error?.hasPrefix("cancelled") == true, "the evidence records the cancellation")
        // About a second when idle; the bound leaves room for a loaded CI machine and stays far below the timeout.
        #expect(took < .seconds(30), "aborted well before the 60 s request timeout (took \(took))")
    }

    @Test("a task cancelled before sending sends nothing")
    func cancelledBeforeSendingSendsNothing() async throws {
        let server = try RawServer { _ in Self.ok }
        defer { server.stop() }
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(connections: 1))
        defer { transport.shutdown() }
        let task = Task { () -> String in
            withUnsafeCurrentTask { $0?.cancel() }
            do {
                _ = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(server.port)/"), sendCredentials: false)
                return "sent"
            } catch let error as TransportError {
                return error.kind
            } catch { return "\(error)" }
        }
        #expect(await task.value == "cancelled")
        #expect(server.connections == 0)
    }

    @Test("an explicit proxy gets the request in absolute form; the report form hides its user information")
    func explicitProxyIsUsed() async throws {
        let proxy = try RawServer { _ in Self.ok }
        defer { proxy.stop() }
        let origin = try RawServer { _ in Self.ok }
        defer { origin.stop() }
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(connections: 1, proxy: .url("http://127.0.0.1:\(proxy.port)")))
        defer { transport.shutdown() }
        let response = try await transport.send(HTTPRequest(url: "http://127.0.0.1:\(origin.port)/via"), sendCredentials: false)
        #expect(response.status == 200)
        #expect(proxy.requests.first?.hasPrefix("GET http://127.0.0.1:\(origin.port)/via HTTP/1.1") == true)
        #expect(origin.connections == 0)
        #expect(HTTPTransportConfiguration.Proxy.url("http://user:s3cret@proxy.example:3128").description == "http://[redacted]@proxy.example:3128")
        #expect(HTTPTransportConfiguration.Proxy.none.description == "none")
    }

    @Test("an IPv6 literal URL works")
    func ipv6Literal() async throws {
        let server = try RawServer(ipv6: true) { _ in Self.ok }
        defer { server.stop() }
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(connections: 1))
        defer { transport.shutdown() }
        let response = try await transport.send(HTTPRequest(url: "http://[::1]:\(server.port)/EWS/Exchange.asmx"), sendCredentials: false)
        #expect(response.status == 200)
        #expect(response.exchange.remoteAddress == "::1")
        #expect(server.requests.first?.contains("Host: [::1]:\(server.port)") == true)
    }

    @Test("an untrusted certificate is named: subject, issuer, validity and the problem")
    func untrustedCertificateIsDescribed() async throws {
        try await Fixtures.withSimulator(validate: false) { sim in
            let transport = HTTPTransport(configuration: HTTPTransportConfiguration(
                tls: .init(verify: true, caFile: nil),
                hostPins: [HostPin(host: "mail.contoso.com", port: sim.port, address: "127.0.0.1")], connections: 1))
            var caught: TransportError?
            do { _ = try await transport.send(HTTPRequest(url: sim.ewsURL), sendCredentials: false) } catch let e as TransportError { caught = e }
            transport.shutdown()
            let error = try #require(caught)
            #expect(error.kind == "tls-failed")
            let certificate = try #require(error.certificate)
            #expect(certificate.problem == .untrustedIssuer || certificate.problem == .selfSigned)
            #expect(certificate.subject?.isEmpty == false)
            #expect(certificate.issuer?.isEmpty == false)
            #expect(certificate.notAfter?.isEmpty == false)
            #expect(certificate.subjectAltNames.contains("DNS:mail.contoso.com"))
            #expect(certificate.finding.contains("not") )
        }
    }

    @Test("a certificate for another name is a name mismatch that says which names it has")
    func nameMismatchIsNamed() async throws {
        try await Fixtures.withSimulator(validate: false) { sim in
            let transport = HTTPTransport(configuration: HTTPTransportConfiguration(
                tls: .init(verify: true, caFile: sim.caFile),
                hostPins: [HostPin(host: "wrong.example.net", port: sim.port, address: "127.0.0.1")], connections: 1))
            var caught: TransportError?
            do {
                _ = try await transport.send(HTTPRequest(url: "https://wrong.example.net:\(sim.port)/EWS/Exchange.asmx"), sendCredentials: false)
            } catch let e as TransportError { caught = e }
            transport.shutdown()
            let certificate = try #require(caught?.certificate)
            #expect(certificate.problem == .nameMismatch)
            #expect(certificate.finding.contains("wrong.example.net"))
            #expect(certificate.finding.contains("mail.contoso.com"))
        }
    }

    @Test("OpenSSL's verification results become named problems with the facts that matter", arguments: [
        (10, "certificate has expired", PeerCertificate.Problem.expired, "valid until Jan  1 00:00:00 2026 GMT"),
        (9, "certificate is not yet valid", .notYetValid, "valid from Dec  1 00:00:00 2026 GMT"),
        (18, "self-signed certificate", .selfSigned, "self-signed"),
        (20, "unable to get local issuer certificate", .untrustedIssuer, "CN = Contoso Private CA"),
        (0, "SSL: no alternative certificate subject name matches target host name 'mail.contoso.com'", .nameMismatch, "DNS:autodiscover.fabrikam.com"),
    ])
    func problemsAreNamed(_ code: Int, _ error: String, _ problem: PeerCertificate.Problem, _ detail: String) {
        let certificate = PeerCertificate(host: "mail.contoso.com", subject: "CN = mail.fabrikam.com", issuer: "CN = Contoso Private CA",
                                          notBefore: "Dec  1 00:00:00 2026 GMT", notAfter: "Jan  1 00:00:00 2026 GMT",
                                          subjectAltNames: ["DNS:autodiscover.fabrikam.com"], verifyResult: code, verifyError: error)
        #expect(certificate.problem == problem)
        #expect(certificate.finding.contains(detail), "\(certificate.finding)")
        #expect(certificate.details.contains("issuer CN = Contoso Private CA"))
    }
}
