@testable import Conformance
import EWSSimulator
import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loopback TCP port that is bound but never listens, so connecting to it is refused; holding
/// it bound keeps anything else from taking the port while the test runs.
final class RefusingPort {
    let port: Int
    private let fd: Int32

    init() throws {
        #if canImport(Glibc)
        let stream = Int32(SOCK_STREAM.rawValue)
        #else
        let stream = SOCK_STREAM
        #endif
        let fd = socket(AF_INET, stream, 0)
        try #require(fd >= 0, "socket() failed: errno \(errno)")
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        if !bound { close(fd) }
        try #require(bound, "could not bind a loopback port: errno \(errno)")
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}

@Suite("SuiteRunner when the endpoint cannot be reached or trusted")
struct SuiteRunnerConnectivityTests {
    @Test("a closed port is 'could not test': one root cause on ews.endpoint.reachable, the planned checks listed as not run, exit 2")
    func closedPort() async throws {
        let closed = try RefusingPort()
        try await LiveSimulator.with { simulator in
            let target = TargetConfiguration.simulated(simulator, ewsURL: "https://127.0.0.1:\(closed.port)/EWS/Exchange.asmx")
            let report = try await runSuite(target, password: simulator.serviceAccountPassword)
            let reachable = try report.result(CheckCatalog.endpointReachable)
            #expect(reachable.outcome == .errored)
            #expect(reachable.message.hasPrefix("could not test: no connection"), "\(reachable.message)")
            #expect(reachable.message.contains("\(closed.port)"))
            let cause = try #require(report.couldNotTest)
            #expect(cause.kind == .connection)
            // Only what this run would have had: no OAuth, discovery or must-fail auth checks.
            #expect(cause.notRun.contains(CheckCatalog.voicemailDeliver) && cause.notRun.contains(CheckCatalog.outOfScopeDenied))
            #expect(!cause.notRun.contains(CheckCatalog.oauthToken) && !cause.notRun.contains(AuthChecks.wrongPassword))
            #expect(report.results.map(\.id) == [CheckCatalog.endpointReachable, CheckCatalog.cleanupComplete])
            #expect(try report.result(CheckCatalog.cleanupComplete).outcome == .passed)
            #expect(report.cleanup.created == 0)
            #expect(report.exitCode == 2)
        }
    }

    @Test("without the simulator's CA, verified TLS is 'could not test' and a finding against the certificate, naming it")
    func untrustedCertificate() async throws {
        try await LiveSimulator.with { simulator in
            let report = try await runSuite(.simulated(simulator, trustSimulatorCA: false), password: simulator.serviceAccountPassword)
            let reachable = try report.result(CheckCatalog.endpointReachable)
            #expect(reachable.outcome == .failed)
            #expect(reachable.message.contains("is not a trusted CA") && reachable.message.contains("CN = mail.contoso.com"), "\(reachable.message)")
            #expect(report.couldNotTest?.kind == .tls && report.couldNotTest?.providerFinding == true)
            #expect(report.exitCode == 2)
            #expect(report.tls.verify == true)
            #expect(report.tls.insecure == false)
            #expect(simulator.requestLog.isEmpty, "no HTTP request may reach a server that TLS did not verify")
        }
    }

    @Test("insecure: true reaches the same untrusted server, stamps the report and warns")
    func insecureReaches() async throws {
        try await LiveSimulator.with { simulator in
            let report = try await runSuite(.simulated(simulator, trustSimulatorCA: false, insecure: true),
                                            password: simulator.serviceAccountPassword)
            let reachable = try report.result(CheckCatalog.endpointReachable)
            #expect(reachable.outcome == .passed, "\(reachable.message)")
            #expect(reachable.message.contains("verification OFF"))
            #expect(report.tls.insecure == true)
            #expect(report.tls.verify == false)
            #expect(report.warnings.contains { $0.contains("insecure") }, "\(report.warnings)")
            #expect(report.results.allSatisfy { $0.outcome == .passed })
            #expect(simulator.tenant.allItems().isEmpty)
        }
    }
}
