import EWSTestSupport
import Foundation
import Testing

/// The tests clean up after themselves and wait on events: every fixture is stopped through a
/// scoped helper (``withFixture(isolation:_:stop:_:)``), children are spawned by ``ChildProcess``,
/// random input is seeded, and no port is fixed or guessed. These scans keep it that way.
@Suite struct TestHygieneTests {
    /// Every Swift file under Tests/ but this one, without its comment lines.
    static func testSources() throws -> [(path: String, text: String)] {
        let root = TestPaths.repositoryRoot.appendingPathComponent("Tests")
        let enumerator = try #require(FileManager.default.enumerator(atPath: root.path))
        var files: [(String, String)] = []
        while let relative = enumerator.nextObject() as? String {
            guard relative.hasSuffix(".swift"), !relative.hasSuffix("TestHygieneTests.swift") else { continue }
            let text = try String(contentsOfFile: root.appendingPathComponent(relative).path, encoding: .utf8)
            let code = text.split(separator: "\n", omittingEmptySubsequences: false).filter { line in
                let trimmed = line.drop { $0 == " " }
                return !(trimmed.hasPrefix("//") || trimmed.hasPrefix("*") || trimmed.hasPrefix("/*"))
            }
            files.append(("Tests/" + relative, code.joined(separator: "\n")))
        }
        try #require(files.count > 50, "Tests/ was found at \(root.path)")
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

    @Test("Task.sleep only where a test polls simulator state that has no event yet (bounded), or in the test support's timers")
    func sleepsOnlyWhereNoEventExists() throws {
        // The simulator offers no event for "a request was logged" or "an item was delivered": these
        // waits poll its state, bounded. Anything else waits on an event (ChildProcess, TestEvent).
        let polling: Set<String> = [
            "Tests/EWSTestSupport/ChildProcess.swift", "Tests/EWSTestSupport/TestEvent.swift",
            "Tests/EWSSimulatorTests/DeliveryDelayTests.swift", "Tests/EWSSimulatorTests/StreamingTests.swift",
            "Tests/ConformanceTests/CouldNotTestTests.swift",
        ]
        let sleeping = try Self.testSources().filter { $0.text.contains("Task.sleep") }.map(\.path)
        #expect(Set(sleeping).isSubset(of: polling), "\(Set(sleeping).subtracting(polling).sorted())")
    }

    @Test("CI and the dnsmasq script take a port found free at run time, never a fixed one")
    func noFixedDNSPort() throws {
        for path in [".ci/run", "scripts/dns/start-dnsmasq.sh"] {
            let text = try String(contentsOfFile: TestPaths.repositoryRoot.appendingPathComponent(path).path, encoding: .utf8)
            #expect(!text.contains("53535"), "\(path) names the old fixed port")
        }
    }
}
