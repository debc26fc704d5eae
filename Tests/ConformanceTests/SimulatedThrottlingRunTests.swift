@testable import Conformance
import EWSSimulator
import EWSTestSupport
import Foundation
import Reports
import Testing

/// A run against a simulator that throttles: nothing fails because of it, the simulator's log
/// proves each wait and retry, and the checks' facts record the back-offs.
@Suite("Throttling simulator run", .serialized)
struct SimulatedThrottlingRunTests {
    static func run(_ throttling: SimulatedThrottling, mailboxes: Int) async throws -> (RunReport, [SimulatorRequestRecord]) {
        var config = SimulatorConfiguration()
        config.stateDirectory = try Fixtures.temporaryDirectory("throttled-sim")
        config.mailboxesInScope = SimulatorConfiguration.generatedMailboxes(count: mailboxes)
        config.throttling = throttling
        return try await withSimulator({ try await Simulator.start(config) }) { sim in
            let dir = try #require(config.stateDirectory)
            let target = try TargetConfiguration.load(path: try SimulatorTarget.write(for: sim, in: dir))
            var warnings: [String] = []
            let credentials = try target.credentials(warnings: &warnings)
            let report = await SuiteRunner(target: target, credentials: credentials, options: RunOptions(runID: RunOptions.makeRunID())).run()
            let log = sim.requestLog
            return (report, log)
        }
    }

    // Every 7th request; a retry after the back-off is served (the simulator models a recovered budget).
    @Test(arguments: [SimulatedThrottling(every: 7, answer: .serverBusy(backOffMilliseconds: 80)),
                      SimulatedThrottling(every: 9, answer: .retryAfter(seconds: 1))])
    func aThrottledRunPassesAndTheLogProvesEachWaitAndRetry(throttling: SimulatedThrottling) async throws {
        let (report, log) = try await Self.run(throttling, mailboxes: 6)
        let bad = report.results.filter { $0.outcome != .passed && $0.outcome != .skipped }
        #expect(bad.isEmpty, "\(bad.map { "\($0.displayName): \($0.message)" })")
        let wait: TimeInterval
        switch throttling.answer {
        case .serverBusy(let ms): wait = Double(ms) / 1000
        case .retryAfter(let s): wait = Double(s)
        }
        let throttled = log.enumerated().filter { $0.element.status == (wait >= 1 ? 503 : 500) && $0.element.path.lowercased().hasPrefix("/ews/exchange.asmx") }
        #expect(throttled.count >= 3, "the simulator throttled: \(throttled.count)")
        for (index, busy) in throttled {
            // The same request again (same account, anchor mailbox) no sooner than asked.
            let retry = log[(index + 1)...].first { $0.user == busy.user && $0.anchorMailbox == busy.anchorMailbox && $0.method == busy.method
                && $0.time.timeIntervalSince(busy.time) >= wait - 0.005 }
            #expect(retry != nil, "request \(index) (\(busy.anchorMailbox ?? "-")) was retried after \(wait) s")
        }
        let recorded = report.results.compactMap { $0.facts["throttle_waits"].flatMap(Int.init) }.reduce(0, +)
        #expect(recorded > 0 && recorded <= throttled.count, "facts record \(recorded) of \(throttled.count) waits")
        // Each back-off names the exchange that asked for it, and that exchange is in the evidence.
        let cited = Set(report.results.flatMap(\.evidence))
        for result in report.results {
            guard let backOffs = result.facts["throttle_back_offs"] else { continue }
            for id in backOffs.split(separator: "#").dropFirst().compactMap({ Int($0.prefix { $0.isNumber }) }) {
                #expect(result.evidence.contains(id) && cited.contains(id), "\(result.displayName) cites exchange #\(id)")
                #expect(report.evidence.contains { $0.id == id && [500, 503].contains($0.legs.last?.status ?? 0) }, "exchange #\(id) is the throttled answer")
            }
        }
    }

    /// A contact-center check throttled on its own requests passes and says so: its message names
    /// the back-offs, matching its facts, in the result and in summary.md and report.html.
    @Test func aCheckThatPassedOnlyAfterBackOffSaysSo() async throws {
        var config = SimulatorConfiguration()
        config.stateDirectory = try Fixtures.temporaryDirectory("throttled-sim")
        // Every second EWS request: routing.sync-folder-items, alone once its dependencies passed,
        // sends at least four requests one after the other, so at least two are throttled.
        config.throttling = SimulatedThrottling(every: 2, answer: .serverBusy(backOffMilliseconds: 40))
        let report = try await withSimulator({ try await Simulator.start(config) }) { sim in
            let dir = try #require(config.stateDirectory)
            let target = try TargetConfiguration.load(path: try SimulatorTarget.write(for: sim, in: dir))
            var warnings: [String] = []
            let credentials = try target.credentials(warnings: &warnings)
            var options = RunOptions(runID: RunOptions.makeRunID())
            options.selection = CheckSelection(only: [CheckCatalog.routingSyncFolderItems.rawValue])
            return await SuiteRunner(target: target, credentials: credentials, options: options).run()
        }
        let sync = try report.result(CheckCatalog.routingSyncFolderItems)
        #expect(sync.outcome == .passed, "\(sync.message)")
        let waits = try #require(sync.facts["throttle_waits"].flatMap(Int.init), "\(sync.facts)")
        #expect(waits >= 2)
        #expect(sync.facts["throttle_wait_ms"] == String(40 * waits))
        let note = "(passed after \(waits) back-offs, \(40 * waits) ms, requested by the provider)"
        #expect(sync.message.hasSuffix(note), "\(sync.message)")
        #expect(sync.message.hasPrefix("SyncFolderItems of "), "the check's own words come first: \(sync.message)")
        #expect(MarkdownSummaryWriter.render(report).contains(note))
        #expect(HTMLReportWriter.render(report).contains(note))
        // Only checks that waited say it; nothing that waited stays silent.
        for r in report.results where r.outcome == .passed {
            #expect(r.message.contains("requested by the provider)") == (r.facts["throttle_waits"] != nil), "\(r.displayName): \(r.message)")
        }
    }
}
