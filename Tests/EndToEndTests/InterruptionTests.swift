import Conformance
import EWSProtocol
import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// A run that is interrupted in any way leaves nothing in the mailboxes: SIGHUP and a reader that goes
/// away (`| head -1`) are survived by the run itself; after SIGKILL, `ewscheck cleanup` finds the
/// items by their run tag. The simulator's own store is the witness.
@Suite(.serialized) struct InterruptionTests {
    /// A simulator (answers delayed `latency` ms) and its target file around a test body, stopped
    /// afterwards whether the body returned or threw. Runs that a signal must meet mid-way are frozen
    /// at a reported point (``ChildProcess/pause(whenOutputContains:)``), not slowed down.
    static func withSimulator(latency: Int = 0, _ body: (Simulator, String, String) async throws -> Void) async throws {
        try await Fixtures.withSimulator(configure: { $0.latencyMilliseconds = latency }) { sim in
            let dir = try #require(sim.configuration.stateDirectory)
            try await body(sim, dir, try SimulatorTarget.write(for: sim, in: dir))
        }
    }

    static func report(_ dir: String, _ runID: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(dir)/reports/\(runID)/report.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    static func ledgerEvents(_ dir: String, _ runID: String) -> [[String: String]] {
        guard let text = try? String(contentsOfFile: "\(dir)/reports/\(runID)/ledger.jsonl", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: String]
        }
    }

    @Test func killedRunIsCleanedUpByTagAndNothingElseIsTouched() async throws {
        try await Self.withSimulator { sim, dir, target in
            // Items the cleanup must leave alone: one without any tag, one tagged by another run.
            let (client, transport) = SimulatorTarget.client(for: sim)
            let mailbox = sim.mailboxesInScope[0]
            let untagged = await client.perform(CreateMessage(folder: .inbox, subject: "a customer's own mail", body: "keep me"),
                                                impersonating: .primarySmtpAddress(mailbox))
            let otherRun = RunTag(runID: "20200101T000000Z-othr")
            let foreign = await client.perform(CreateMessage(folder: .inbox, subject: "another run \(otherRun.subjectMarker)", body: "keep me too",
                                                             extendedProperties: [otherRun.extendedProperty]),
                                               impersonating: .primarySmtpAddress(mailbox))
            #expect(untagged.messages.first?.responseClass == .success && foreign.messages.first?.responseClass == .success)
            let before = Set(sim.tenant.allItems().map(\.id))

            let run = try ChildProcess(Fixtures.executable, ["run", "--target", target, "--reports-dir", dir + "/reports", "--run-id", "killed"])
            run.pause(whenOutputContains: "voicemail.deliver")  // frozen after a delivery, before any cleanup
            #expect(await run.waitForOutput("voicemail.deliver", timeout: .seconds(60)), "the run got as far as delivering: \(run.stdout)")
            run.send(SIGKILL)
            #expect(await run.wait() == .signaled(SIGKILL))
            let leftovers = sim.tenant.allItems().filter { !before.contains($0.id) }
            #expect(!leftovers.isEmpty, "SIGKILL came after a delivery and before the cleanup, so the run left items: \(run.stdout)\n\(sim.tenant.allItems())")
            let events = Self.ledgerEvents(dir, "killed")
            #expect(events.contains { $0["event"] == "intent" }, "intents are on disk before the request leaves: \(events)")
            #expect(events.first?["event"] == "intent")

            let cleanup = try ChildProcess(Fixtures.executable, ["cleanup", "--target", target, "--run", "killed"])
            let ended = await cleanup.wait()
            #expect(ended == .exited(0), "cleanup: \(cleanup.stdout) \(cleanup.stderr)")
            let after = sim.tenant.allItems()
            #expect(after.filter { !before.contains($0.id) }.isEmpty, "cleanup removed every item of the killed run: \(after)")
            #expect(Set(after.map(\.id)) == before, "items without the run's tag were left alone")
            #expect(cleanup.stdout.contains("\(leftovers.count) removed"), "the cleanup reports what it removed: \(cleanup.stdout)")
            transport.shutdown()
        }
    }

    @Test func olderThanTakesOnlyOldRuns() async throws {
        try await Self.withSimulator { sim, dir, target in
            let (client, transport) = SimulatorTarget.client(for: sim)
            let mailbox = sim.mailboxesInScope[1]
            let old = RunTag(runID: "20200101T000000Z-aaaa")
            let recent = RunTag(runID: RunOptions.makeRunID())
            for tag in [old, recent] {
                let call = await client.perform(CreateMessage(folder: .inbox, subject: "left \(tag.subjectMarker)", body: "x",
                                                              extendedProperties: [tag.extendedProperty]), impersonating: .primarySmtpAddress(mailbox))
                #expect(call.messages.first?.responseClass == .success)
            }
            let dry = try ChildProcess(Fixtures.executable, ["cleanup", "--target", target, "--older-than", "1d", "--dry-run"])
            #expect(await dry.wait() == .exited(0))
            #expect(sim.tenant.allItems().count == 2, "a dry run deletes nothing: \(dry.stdout)")
            let real = try ChildProcess(Fixtures.executable, ["cleanup", "--target", target, "--older-than", "1d"])
            #expect(await real.wait() == .exited(0), "\(real.stdout) \(real.stderr)")
            let left = sim.tenant.allItems()
            #expect(left.count == 1 && left.first?.subject.contains(recent.runID) == true, "only the old run's item went: \(left)")
            _ = dir
            transport.shutdown()
        }
    }

    @Test func hangupIsHandledLikeInterrupt() async throws {
        try await Self.withSimulator { sim, dir, target in
            let run = try ChildProcess(Fixtures.executable, ["run", "--target", target, "--reports-dir", dir + "/reports", "--run-id", "hup"])
            run.pause(whenOutputContains: "voicemail.deliver")
            #expect(await run.waitForOutput("voicemail.deliver", timeout: .seconds(60)))
            #expect(run.termination == nil, "frozen mid-run: \(run.stdout)")
            run.send(SIGHUP)
            run.send(SIGCONT)
            #expect(await run.wait() == .exited(130), "stderr: \(run.stderr)")
            #expect(sim.tenant.allItems().isEmpty, "the hung-up run removed what it created")
            let report = try Self.report(dir, "hup")
            #expect(report["interrupted"] as? Bool == true)
            let cleanup = report["cleanup"] as? [String: Any]
            #expect((cleanup?["created"] as? Int ?? 0) > 0)
            #expect(cleanup?["created"] as? Int == cleanup?["removed"] as? Int)
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dir + "/reports/latest") == "hup")
        }
    }

    @Test func aReaderThatGoesAwayDoesNotKillTheRun() async throws {
        try await Self.withSimulator(latency: 20) { sim, dir, target in
            let script = "set -o pipefail; '\(Fixtures.executable)' run --target '\(target)' --reports-dir '\(dir)/reports' --run-id piped | head -1; echo \"status=${PIPESTATUS[0]}\""
            let shell = try ChildProcess("/bin/bash", ["-c", script])
            #expect(await shell.wait() == .exited(0), "stderr: \(shell.stderr)")
            #expect(shell.stdout.split(separator: "\n").first?.hasPrefix("ewscheck") == true, "head saw the first line: \(shell.stdout)")
            #expect(shell.stdout.contains("status=0"), "the run went on to the end and passed: \(shell.stdout)")
            #expect(sim.tenant.allItems().isEmpty)
            let report = try Self.report(dir, "piped")
            #expect(report["exit_code"] as? Int == 0)
        }
    }
}
