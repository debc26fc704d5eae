@testable import Conformance
@testable import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

@Suite("--deadline: the run stops starting checks, cleans up, writes its reports, exit 2")
struct RunDeadlineTests {
    @Test("a deadline is a duration from now or an ISO 8601 time; nonsense, zero and the past are refused by name")
    func parsing() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000 - 3_600)  // 2027-01-15T07:00:00Z
        #expect(try RunDeadline.parse("30m", now: now) == now.addingTimeInterval(1800))
        #expect(try RunDeadline.parse("2h", now: now) == now.addingTimeInterval(7200))
        #expect(try RunDeadline.parse("1h30m", now: now) == now.addingTimeInterval(5400))
        #expect(try RunDeadline.parse("90s", now: now) == now.addingTimeInterval(90))
        #expect(try RunDeadline.parse("2027-01-15T08:00:00Z", now: now) == Date(timeIntervalSince1970: 1_800_000_000))
        #expect(try RunDeadline.parse("2027-01-15T09:00:00+01:00", now: now) == Date(timeIntervalSince1970: 1_800_000_000))
        for (text, says) in [("soon", "neither a duration"), ("30", "neither a duration"), ("5x", "neither a duration"),
                             ("0m", "duration of zero"), ("2027-01-15T06:00:00Z", "already past"), ("2027-01-15T08:00:00", "neither")] {
            #expect(throws: TargetFileError.self, "\(text)") { try RunDeadline.parse(text, now: now) }
            do { _ = try RunDeadline.parse(text, now: now) } catch { #expect(error.message.contains(says), "\(text): \(error.message)") }
        }
        #expect(RunDeadline.skipReason(Date(timeIntervalSince1970: 1_800_000_000)) == "the run's deadline (2027-01-15T08:00:00Z) passed before it started")
    }

    @Test("at the deadline the checks under way finish, the rest are skipped naming it, everything created is removed, and the run could not test (exit 2)")
    func deadlineStopsTheRun() async throws {
        var config = SimulatorConfiguration()
        let state = try TestPaths.temporaryDirectory("deadline-sim")
        config.stateDirectory = state
        config.latencyMilliseconds = 60  // a full run takes several seconds; the deadline comes after one
        try await withSimulator({ try await Simulator.start(config) }) { simulator in
            defer { try? FileManager.default.removeItem(atPath: state) }
            let target = TargetConfiguration.simulated(simulator)
            var warnings: [String] = []
            let credentials = try target.credentials(environment: [passwordVariable: simulator.serviceAccountPassword], warnings: &warnings)
            var options = RunOptions(runID: RunOptions.makeRunID())
            let deadline = Date().addingTimeInterval(1)
            options.deadline = deadline
            let report = await SuiteRunner(target: target, credentials: credentials, options: options, warnings: warnings).run()

            let reason = RunDeadline.skipReason(deadline)
            let kept = report.results.filter { $0.message == reason }
            #expect(!kept.isEmpty, "checks were left unstarted by the deadline")
            #expect(kept.allSatisfy { $0.outcome == .skipped })
            #expect(report.couldNotTest?.kind == .deadline)
            #expect(report.couldNotTest?.summary.contains("deadline (\(RunDeadline.describe(deadline))) passed") == true)
            #expect(report.couldNotTest?.notRun.isEmpty == false)
            #expect(report.exitCode == Int(ExitStatus.incomplete))
            #expect(!report.interrupted)
            // In-flight checks were let finish, not cut: none errored for a cancelled request.
            #expect(!report.results.contains { $0.outcome == .errored })
            // Cleanup still ran after the deadline.
            #expect(report.cleanup.leftover.isEmpty, "\(report.cleanup.leftover)")
            #expect(report.cleanup.removed == report.cleanup.created)
        }
    }

    @Test("a run that ends before its deadline is not touched by it")
    func deadlineNotReached() async throws {
        try await LiveSimulator.with { sim in
            let target = TargetConfiguration.simulated(sim)
            var warnings: [String] = []
            let credentials = try target.credentials(environment: [passwordVariable: sim.serviceAccountPassword], warnings: &warnings)
            var options = RunOptions(runID: RunOptions.makeRunID())
            options.deadline = Date().addingTimeInterval(3600)
            let report = await SuiteRunner(target: target, credentials: credentials, options: options, warnings: warnings).run()
            #expect(report.couldNotTest == nil)
            #expect(report.exitCode == 0, "\(report.results.filter { $0.outcome != .passed }.map(\.message))")
            #expect(!report.results.contains { $0.message.contains("deadline") })
        }
    }
}
