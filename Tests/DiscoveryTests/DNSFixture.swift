import Discovery
import EWSTestSupport
import Foundation

/// A real DNS server for SRV tests: the one `.ci/run` started (`EWSCHECK_DNS_SERVER`), or a
/// dnsmasq this test starts with `scripts/dns/autodiscover.conf`. Never a stub, and never skipped:
/// without dnsmasq the test fails and says how to install it.
///
/// The test's own dnsmasq runs in the foreground as a ``ChildProcess`` (own process group, signal mask
/// and dispositions reset), on a port found free at run time (tried again on a bind failure), and is
/// ready when it logs that it started; ``with(_:)`` stops it (SIGTERM, then SIGKILL) and reaps it.
struct DNSFixture {
    let server: DNSServerAddress
    private let daemon: ChildProcess?

    /// Runs `body` with a DNS server, and stops the one it started afterwards, returned or thrown.
    static func with<R>(_ body: (DNSFixture) async throws -> R) async throws -> R {
        try await withFixture({ try await start() }, stop: { await $0.stop() }, body)
    }

    private static func start() async throws -> DNSFixture {
        if let text = ProcessInfo.processInfo.environment["EWSCHECK_DNS_SERVER"], !text.isEmpty {
            guard let server = DNSServerAddress(parsing: text) else { throw FixtureError("EWSCHECK_DNS_SERVER '\(text)' is not ADDR:PORT") }
            return DNSFixture(server: server, daemon: nil)
        }
        let dnsmasq = "/usr/sbin/dnsmasq"
        guard FileManager.default.isExecutableFile(atPath: dnsmasq) else {
            throw FixtureError("dnsmasq is not installed at \(dnsmasq) (Debian's dnsmasq-base: scripts/setup.sh installs it)")
        }
        let conf = Fixtures.repositoryRoot.appendingPathComponent("scripts/dns/autodiscover.conf").path
        var failure = ""
        for _ in 0..<5 {
            let port = try freeUDPPort()
            var arguments = ["--conf-file=\(conf)", "--no-resolv", "--no-hosts", "--no-poll", "--bind-interfaces",
                             "--listen-address=127.0.0.1", "--port=\(port)", "--keep-in-foreground", "--pid-file=", "--log-facility=-"]
            if getuid() == 0 { arguments.append("--user=nobody") }
            let daemon = try ChildProcess(dnsmasq, arguments)
            // dnsmasq logs "started" once its sockets are bound, and exits at once if the port is taken.
            await daemon.waitUntil(timeout: .seconds(30)) { $0.stderr.contains("started, version") || $0.termination != nil }
            if daemon.termination == nil && daemon.stderr.contains("started, version") {
                return DNSFixture(server: DNSServerAddress(address: "127.0.0.1", port: port), daemon: daemon)
            }
            await daemon.terminate()
            failure = daemon.stderr
            guard failure.contains("Address already in use") else { break }
        }
        throw FixtureError("could not start dnsmasq for the SRV tests: \(failure)")
    }

    private func stop() async {
        await daemon?.terminate()
    }

    /// A UDP port on 127.0.0.1 that the system found free a moment ago (held, then given back for
    /// dnsmasq to bind); a dnsmasq that then cannot bind it is started again on another.
    private static func freeUDPPort() throws -> Int {
        let probe = try ClosedPort(udp: true)
        defer { probe.close() }
        return probe.port
    }
}
