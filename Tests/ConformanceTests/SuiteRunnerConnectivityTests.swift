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
    /// A run that could not test records only ews.endpoint.reachable (with the root cause) and
    /// lists every other check once under that cause, instead of a screen of skips.
    private func expectCollapsed(_ report: RunReport) throws {
        #expect(report.results.map(\.id) == [CheckCatalog.endpointReachable], "\(report.results.map(\.displayName))")
        let cause = try #require(report.couldNotTest)
        #expect(cause.notRun.contains(CheckCatalog.serviceAccountAuth))
        #expect(cause.notRun.contains(CheckCatalog.cleanupComplete))
        #expect(!cause.notRun.contains(CheckCatalog.endpointReachable))
        #expect(report.exitCode == 2, "could not test is exit 2, not a verdict on the provider")
        #expect(report.cleanup.created == 0)
    }

    @Test("a closed port is one root cause (connection refused), could not test, exit 2")
    func closedPort() async throws {
        let closed = try RefusingPort()
        try await LiveSimulator.with { simulator in
            let target = TargetConfiguration.simulated(simulator, ewsURL: "https://127.0.0.1:\(closed.port)/EWS/Exchange.asmx")
            let report = try await runSuite(target, password: simulator.serviceAccountPassword)
            let reachable = try report.result(CheckCatalog.endpointReachable)
            #expect(reachable.outcome == .errored, "the harness could not tell: not a provider failure")
            #expect(reachable.message.contains("could not test"), "\(reachable.message)")
            #expect(reachable.message.contains("\(closed.port)"))
            #expect(report.couldNotTest?.kind == .connection)
            #expect(report.couldNotTest?.remedy.contains("port") == true)
            try expectCollapsed(report)
        }
    }

    @Test("without the simulator's CA, the untrusted certificate is the root cause and a finding that names it")
    func untrustedCertificate() async throws {
        try await LiveSimulator.with { simulator in
            let report = try await runSuite(.simulated(simulator, trustSimulatorCA: false), password: simulator.serviceAccountPassword)
            let reachable = try report.result(CheckCatalog.endpointReachable)
            #expect(reachable.outcome == .failed, "an untrusted provider certificate is a finding")
            let cause = try #require(report.couldNotTest)
            #expect(cause.kind == .tls)
            #expect(cause.providerFinding)
            let certificate = try #require(cause.certificate)
            #expect([.untrustedIssuer, .selfSigned].contains(certificate.problem))
            #expect(cause.summary.contains("subject"), "\(cause.summary)")
            #expect(cause.summary.contains("issuer"))
            #expect(cause.summary.contains("valid"))
            #expect(cause.remedy.contains("--ca-file"))
            try expectCollapsed(report)
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
