import EWSSimulator
@testable import EWSTransport
import EWSTestSupport
import Foundation
import Testing

/// Negotiate with real Kerberos: tickets from a throwaway MIT KDC, the simulator's acceptor
/// judging them, and independent clients (kinit + curl) as well as our own GSS-API code.
@Suite("Simulator: Negotiate with Kerberos from a real KDC", .serialized)
struct KerberosNegotiateTests {
    @Test("curl --negotiate with a ticket from kinit gets in as the service account, over Kerberos 5")
    func curlWithKinitTicket() async throws {
        try await KerberosFixture.with { f in
            #expect(try await f.kinit() == .exited(0))
            let curl = try ChildProcess("/usr/bin/curl", [
                "-sS", "--negotiate", "-u", ":", "--cacert", f.simulator.caFile, "--resolve", f.resolve,
                "-o", "/dev/null", "-D", "-", "-w", "status=%{http_code}\n", f.simulator.ewsURL,
            ], environment: f.environment())
            #expect(await curl.wait(timeout: .seconds(60)) == .exited(0))
            let out = curl.stdout
            #expect(out.contains("status=200"), "curl said: \(out) \(curl.stderr)")
            // The 200 carries the mutual-authentication token.
            #expect(out.lowercased().contains("www-authenticate: negotiate "))
            let served = f.simulator.requestLog.last { $0.status == 200 }
            #expect(served?.user == f.simulator.serviceAccount)
            #expect(served?.authMechanism == "Kerberos 5")
            #expect(served?.authScheme == "Negotiate")
        }
    }

    @Test("A ticket for a principal with no account in the tenant is refused with 401")
    func unmappedPrincipalRefused() async throws {
        try await KerberosFixture.with { f in
            #expect(try await f.kinit(principal: f.kdc.unmappedPrincipal, keytab: f.kdc.unmappedKeytab) == .exited(0))
            let curl = try ChildProcess("/usr/bin/curl", [
                "-sS", "--negotiate", "-u", ":", "--cacert", f.simulator.caFile, "--resolve", f.resolve,
                "-o", "/dev/null", "-w", "status=%{http_code}\n", f.simulator.ewsURL,
            ], environment: f.environment())
            _ = await curl.wait(timeout: .seconds(60))
            #expect(curl.stdout.contains("status=401"), "curl said: \(curl.stdout) \(curl.stderr)")
            #expect(!f.simulator.requestLog.contains { $0.status == 200 })
        }
    }

    @Test("The transport's Negotiate (libcurl, a private cache from the keytab) authenticates; our initiator sees Kerberos 5 and a verified mutual token")
    func transportAndInitiator() async throws {
        try await KerberosFixture.with { f in
            try f.useInProcess()
            let cache = try KerberosTicketCache.login(principal: f.kdc.serviceAccountPrincipal, keytab: f.kdc.serviceAccountKeytab)
            defer { cache.destroy() }
            let transport = HTTPTransport(configuration: HTTPTransportConfiguration(
                credentials: .negotiate(NegotiateCredentials(principal: cache.principal, cacheName: cache.name)),
                tls: .init(verify: true, caFile: f.simulator.caFile),
                hostPins: [HostPin(host: "mail.contoso.com", port: f.simulator.port, address: "127.0.0.1")], connections: 1))
            defer { transport.shutdown() }
            let response = try await transport.send(HTTPRequest(url: f.simulator.ewsURL))
            #expect(response.status == 200)
            // libcurl sends Negotiate at once when it is the only scheme allowed (no 401 leg first).
            #expect(response.exchange.legs.last?.status == 200)
            // Evidence keeps the scheme, never the token.
            let sent = response.exchange.legs.flatMap(\.requestHeaders).first { $0.name.lowercased() == "authorization" }
            #expect(sent?.value == "Negotiate [redacted]")
            #expect(f.simulator.requestLog.last?.authMechanism == "Kerberos 5")

            let initiator = try GSSInitiator(cache: cache, servicePrincipal: "HTTP@mail.contoso.com")
            guard case .send(let token) = initiator.step(nil) else { Issue.record("no first token"); throw CancellationError() }
            let manual = try await HTTPTransport(configuration: HTTPTransportConfiguration(
                tls: .init(verify: true, caFile: f.simulator.caFile),
                hostPins: [HostPin(host: "mail.contoso.com", port: f.simulator.port, address: "127.0.0.1")], connections: 1))
                .send(HTTPRequest(url: f.simulator.ewsURL, headers: [HTTPHeader("Authorization", "Negotiate " + Data(token).base64EncodedString())]))
            #expect(manual.status == 200)
            let answer = manual.headers.all("WWW-Authenticate").first { $0.lowercased().hasPrefix("negotiate ") }
            let answerBytes = answer.flatMap { Data(base64Encoded: String($0.dropFirst("Negotiate ".count))) }.map([UInt8].init)
            #expect(answerBytes != nil)
            guard case .established = initiator.step(answerBytes ?? []) else { Issue.record("the mutual token did not verify"); throw CancellationError() }
            #expect(initiator.mechanism == .kerberos5)
            #expect(initiator.clientPrincipal == f.kdc.serviceAccountPrincipal)
        }
    }

    @Test("KDC and SPN failures are named with their cause: wrong password, expired, disabled, unknown SPN, wrong service key")
    func failuresNamed() async throws {
        try await KerberosFixture.with { f in
            try f.useInProcess()
            func cause(_ body: () throws -> Void) -> KerberosFailure.Cause? {
                do { try body(); return nil } catch { return (error as? KerberosFailure)?.cause }
            }
            #expect(cause { _ = try KerberosTicketCache.login(principal: f.kdc.serviceAccountPrincipal, password: Secret("not-the-password")) } == .wrongPassword)
            #expect(cause { _ = try KerberosTicketCache.login(principal: f.kdc.expiredPrincipal, password: Secret(f.kdc.negativePassword)) } == .clientExpired)
            #expect(cause { _ = try KerberosTicketCache.login(principal: f.kdc.disabledPrincipal, password: Secret(f.kdc.negativePassword)) } == .clientDisabled)
            #expect(cause { _ = try KerberosTicketCache.login(principal: "nobody-here@CONTOSO.COM", password: Secret("x")) } == .unknownClient)

            let cache = try KerberosTicketCache.login(principal: f.kdc.serviceAccountPrincipal, password: Secret(f.simulator.serviceAccountPassword))
            defer { cache.destroy() }
            guard case .failed(let unknown) = try GSSInitiator(cache: cache, servicePrincipal: "HTTP/nowhere.contoso.com").step(nil) else {
                Issue.record("a ticket for an unregistered SPN was issued"); throw CancellationError()
            }
            #expect(unknown.cause == .unknownServicePrincipal, "\(unknown) minor \(unknown.minor) major \(unknown.major)")
            #expect(unknown.remedy?.contains("setspn") == true)
            // A ticket for another registered service: the simulator has no key for it and refuses it.
            guard case .send(let token) = try GSSInitiator(cache: cache, servicePrincipal: f.kdc.decoyServicePrincipal).step(nil) else {
                Issue.record("no ticket for the decoy SPN"); throw CancellationError()
            }
            let refused = try await HTTPTransport(configuration: HTTPTransportConfiguration(
                tls: .init(verify: true, caFile: f.simulator.caFile),
                hostPins: [HostPin(host: "mail.contoso.com", port: f.simulator.port, address: "127.0.0.1")], connections: 1))
                .send(HTTPRequest(url: f.simulator.ewsURL, headers: [HTTPHeader("Authorization", "Negotiate " + Data(token).base64EncodedString())]))
            #expect(refused.status == 401)
        }
    }
}
