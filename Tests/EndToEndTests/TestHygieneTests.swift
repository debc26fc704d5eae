import EWSTestSupport
import Foundation
import Testing

/// The tests clean up after themselves and wait on events: every fixture is stopped through a
/// scoped helper (``withFixture(isolation:_:stop:_:)``), children are spawned by ``ChildProcess``,
/// random input is seeded, and no port is fixed or guessed. These scans keep it that way.
@Suite struct TestHygieneTests {
    /// Every Swift file under Tests/ but this one, without its comment lines.
    static func testSources() throws -> [(path: String, text: String)] {
        let files = try RepositorySources.code(under: "Tests", excluding: ["TestHygieneTests.swift"])
        try #require(files.count > 50, "Tests/ was found at \(TestPaths.repositoryRoot.path)")
        return files
    }

    @Test("no fixture is stopped by a fire-and-forget Task, and no test spawns with Foundation's Process or sleeps a thread")
    func scopedFixturesAndChildProcesses() throws {
        for file in try Self.testSources() {
            for forbidden in ["defer { Task", "usleep(", "Thread.sleep", "SystemRandomNumberGenerator", "unusedPort("] {
                #expect(!file.text.contains(forbidden), "\(file.path) uses \(forbidden)")
            }
            #expect(file.text.firstMatch(of: /(^|[^A-Za-z0-9_])Process\(/) == nil, "\(file.path) spawns with Foundation's Process")
        }
    }

    @Test("Task.sleep only in the test support: its timers and pollUntil, the one bounded poll for state without an event")
    func sleepsOnlyWhereNoEventExists() throws {
        // "A request was logged" is an event (Simulator.waitForRequests); "an item was delivered" and a
        // stream's progress are not: tests that wait for those poll through pollUntil. Anything else
        // waits on an event (ChildProcess, TestEvent, the simulator's request log).
        let polling: Set<String> = [
            "Tests/EWSTestSupport/ChildProcess.swift", "Tests/EWSTestSupport/TestEvent.swift", "Tests/EWSTestSupport/PollUntil.swift",
        ]
        let sleeping = try Self.testSources().filter { $0.text.contains("Task.sleep") }.map(\.path)
        #expect(Set(sleeping).isSubset(of: polling), "\(Set(sleeping).subtracting(polling).sorted())")
        let pollingTheLog = try Self.testSources().filter { $0.text.contains("pollUntil") && $0.text.range(of: #"pollUntil[^\n]*requestLog"#, options: .regularExpression) != nil }
        #expect(pollingTheLog.isEmpty, "wait with Simulator.waitForRequests instead: \(pollingTheLog.map(\.path))")
    }

    @Test("CI and the dnsmasq script take a port found free at run time, never a fixed one")
    func noFixedDNSPort() throws {
        for path in [".ci/run", "scripts/dns/start-dnsmasq.sh"] {
            let text = try String(contentsOfFile: TestPaths.repositoryRoot.appendingPathComponent(path).path, encoding: .utf8)
            #expect(!text.contains("53535"), "\(path) names the old fixed port")
        }
    }
}
