import Discovery
import EWSTestSupport
import Foundation

/// A real DNS server for SRV tests: the one `.ci/run` started (`EWSCHECK_DNS_SERVER`), or a
/// dnsmasq this test starts with `scripts/dns/autodiscover.conf`. Never a stub, and never skipped:
/// without dnsmasq the test fails and says how to install it.
struct DNSFixture {
    let server: DNSServerAddress
    private let pidFile: String?

    static func start() throws -> DNSFixture {
        if let text = ProcessInfo.processInfo.environment["EWSCHECK_DNS_SERVER"], !text.isEmpty {
            guard let server = DNSServerAddress(parsing: text) else { throw FixtureError("EWSCHECK_DNS_SERVER '\(text)' is not ADDR:PORT") }
            return DNSFixture(server: server, pidFile: nil)
        }
        let script = Fixtures.repositoryRoot.appendingPathComponent("scripts/dns/start-dnsmasq.sh").path
        let pidFile = NSTemporaryDirectory() + "ewscheck-dnsmasq-\(UUID().uuidString.prefix(8)).pid"
        let port = Int.random(in: 40000...59999)
        let started = try ChildProcess.run("/bin/bash", [script, String(port), pidFile])
        guard started.status == 0 else {
            throw FixtureError("could not start dnsmasq for the SRV tests (install Debian's dnsmasq-base: scripts/setup.sh): \(started.stderr)")
        }
        return DNSFixture(server: DNSServerAddress(address: "127.0.0.1", port: port), pidFile: pidFile)
    }

    func stop() {
        guard let pidFile, let text = try? String(contentsOfFile: pidFile, encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) else { return }
        // SIGKILL: a test process may pass an ignored SIGTERM on to its children.
        kill(pid, SIGKILL)
        try? FileManager.default.removeItem(atPath: pidFile)
    }
}

/// A deterministic generator for RFC 2782 selection tests (SplitMix64).
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
