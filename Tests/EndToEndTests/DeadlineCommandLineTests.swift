import EWSSimulator
import EWSTestSupport
import Foundation
import Testing

/// `ewscheck run --deadline`: through the real binary, against a slow simulator.
@Suite struct DeadlineCommandLineTests {
    @Test("at --deadline the run stops starting checks, cleans up, writes every report and exits 2, naming the deadline")
    func deadlineEndsTheRunCleanly() async throws {
        try Fixtures.requireShared()
        var config = SimulatorConfiguration()
        config.stateDirectory = try Fixtures.temporaryDirectory("e2e-deadline")
        config.latencyMilliseconds = 100  // a full run takes over ten seconds; the deadline comes after two
        try await withSimulator({ try await Simulator.start(config) }) { sim in
            let dir = config.stateDirectory!
            let target = try SimulatorTarget.write(for: sim, in: dir)
            let before = Set(sim.tenant.allItems().map(\.id))
            let run = try ChildProcess(Fixtures.executable, ["run", "--target", target, "--reports-dir", dir + "/reports",
                                                             "--run-id", "deadline", "--deadline", "2s"])
            let ended = await run.wait()
            #expect(ended == .exited(2), "\(run.stdout)\n\(run.stderr)")
            #expect(run.stdout.contains("COULD NOT TEST — the run's deadline ("), "\(run.stdout)")
            let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/reports/deadline/report.json"))
            let report = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
            #expect(report["exit_code"] as? Int == 2)
            let cause = report["could_not_test"] as? [String: Any]
            #expect(cause?["kind"] as? String == "deadline")
            let results = report["results"] as? [[String: Any]] ?? []
            let skipped = results.filter { ($0["message"] as? String)?.hasSuffix("passed before it started") == true }
            #expect(!skipped.isEmpty && skipped.allSatisfy { $0["outcome"] as? String == "skipped" })
            for file in ["junit.xml", "summary.md", "report.html", "ctrf.json"] {
                #expect(FileManager.default.fileExists(atPath: "\(dir)/reports/deadline/\(file)"), "\(file) is written")
            }
            let cleanup = report["cleanup"] as? [String: Any]
            #expect((cleanup?["leftover"] as? [Any])?.isEmpty == true, "\(String(describing: cleanup))")
            #expect(Set(sim.tenant.allItems().map(\.id)) == before, "the run removed everything it created")
        }
    }
}
