@testable import Conformance
import EWSProtocol
import EWSSimulator
import Foundation
import Testing

/// notifications.pull: passes against Exchange's answers with its latency facts, and fails with its
/// own words for each way a provider's notifications can break the message-waiting lamp. The quirk
/// runs certify one mailbox with a latency limit of 2 s (a loaded machine still delivers a
/// healthy event in time), so a missing event costs a wait of about 4 s.
@Suite("Notifications (pull subscription) against the simulator")
struct NotificationsTests {
    /// Runs the suite on the first mailbox with `limit` ms; notifications.pull must fail with
    /// `fragment`, everything else pass, nothing stay behind.
    static func expect(_ quirk: SimulatorQuirk, limit: Int = 2000, delay: Int = 2000, failing fragment: String,
                       sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await expectFailure(of: CheckCatalog.notificationsPull, quirk, limit: limit, delay: delay, sourceLocation: sourceLocation) { _, r in
            #expect(r.message.contains(fragment), "\(r.displayName): \(r.message)", sourceLocation: sourceLocation)
            #expect(!r.evidence.isEmpty, "\(r.displayName) cites no evidence", sourceLocation: sourceLocation)
        }
    }

    /// Runs the suite on the first mailbox with `limit` ms against a simulator with `quirk` (and
    /// events held back `delay` ms); `check` must fail and still end its subscription, everything
    /// else pass, nothing stay behind. `inspect` looks further at the failing result.
    static func expectFailure(of check: CheckID, _ quirk: SimulatorQuirk, limit: Int, delay: Int? = nil,
                              sourceLocation: SourceLocation, _ inspect: (RunReport, CheckResult) -> Void) async throws {
        try await LiveSimulator.with(quirks: [quirk], configure: { if let delay { $0.notificationDelayMilliseconds = delay } }) { simulator in
            var target = TargetConfiguration.simulated(simulator)
            target.mailboxes = Array(simulator.mailboxesInScope.prefix(1))
            target.notificationLatencyMilliseconds = limit
            let report = try await runSuite(target, password: simulator.serviceAccountPassword)
            let r = try report.result(check)
            #expect(r.outcome == .failed, "\(r.displayName) was \(r.outcome): \(r.message)", sourceLocation: sourceLocation)
            inspect(report, r)
            #expect(r.facts["unsubscribe"] == "NoError", "the subscription is ended after a failure too", sourceLocation: sourceLocation)
            let others = report.results(except: [check])
            #expect(others.allSatisfy { $0.outcome == .passed },
                    "\(others.filter { $0.outcome != .passed }.map { "\($0.displayName) \($0.outcome): \($0.message)" })", sourceLocation: sourceLocation)
            #expect(report.exitCode == 1, sourceLocation: sourceLocation)
            #expect(simulator.tenant.allItems().isEmpty, "left in the tenant: \(simulator.tenant.allItems())", sourceLocation: sourceLocation)
        }
    }

    /// Runs the whole suite with the default latency limit and hands over `check`'s results (one
    /// per mailbox), each proven passed with both events timed within the limit, p50 ≤ max, and
    /// its subscription ended; `more` looks further at each, `run` at the report and the simulator.
    static func expectTimedPasses(of check: CheckID, sourceLocation: SourceLocation = #_sourceLocation,
                                  _ more: (CheckResult) -> Void, then run: (RunReport, Simulator) -> Void) async throws {
        try await LiveSimulator.with { simulator in
            let report = try await runSuite(.simulated(simulator, notificationLatency: TargetConfiguration.defaultNotificationLatency),
                                            password: simulator.serviceAccountPassword)
            let results = report.results(check)
            #expect(results.count == simulator.mailboxesInScope.count, sourceLocation: sourceLocation)
            for r in results {
                #expect(r.outcome == .passed, "\(r.displayName): \(r.message)", sourceLocation: sourceLocation)
                let p50 = try #require(r.facts["latency_p50_ms"].flatMap { Int($0) }, "\(r.facts)", sourceLocation: sourceLocation)
                let max = try #require(r.facts["latency_max_ms"].flatMap { Int($0) }, "\(r.facts)", sourceLocation: sourceLocation)
                #expect(p50 <= max, sourceLocation: sourceLocation)
                #expect(r.facts["latency_ms_created"] != nil && r.facts["latency_ms_modified"] != nil, "\(r.facts)", sourceLocation: sourceLocation)
                #expect(r.facts["latency_limit_ms"] == String(TargetConfiguration.defaultNotificationLatency), sourceLocation: sourceLocation)
                #expect(r.facts["unsubscribe"] == "NoError", sourceLocation: sourceLocation)
                #expect(r.message.contains("CreatedEvent") && r.message.contains("ModifiedEvent"), "\(r.message)", sourceLocation: sourceLocation)
                more(r)
            }
            run(report, simulator)
        }
    }

    @Test("every mailbox's pull subscription sees Created and Modified for its voicemail in time, with p50/max latency, and is unsubscribed")
    func passesOnDefaultFlavor() async throws {
        try await Self.expectTimedPasses(of: CheckCatalog.notificationsPull, { _ in }) { report, simulator in
            let operations = simulator.requestLog.compactMap(\.operation)
            // One pull subscription per mailbox, notifications.streaming's streaming one and
            // notifications.subscriptions-held's pull one, each ended.
            #expect(operations.filter { $0 == "Subscribe" }.count == 3 * simulator.mailboxesInScope.count)
            #expect(operations.filter { $0 == "Unsubscribe" }.count == 3 * simulator.mailboxesInScope.count)
            #expect(operations.filter { $0 == "GetEvents" }.count >= 3 * simulator.mailboxesInScope.count)
            #expect(report.results.allSatisfy { $0.outcome == .passed }, "\(report.results.filter { $0.outcome != .passed }.map(\.message))")
            #expect(simulator.tenant.allItems().isEmpty)
        }
    }

    @Test("no CreatedEvent or NewMailEvent for the new voicemail fails notifications.pull: the lamp would not light")
    func newMailEventMissing() async throws {
        try await Self.expect(.newMailEventMissing, failing: "no CreatedEvent or NewMailEvent for the new voicemail")
    }

    @Test("no ModifiedEvent for the read flag fails notifications.pull: the lamp would not go off")
    func modifiedEventMissing() async throws {
        try await Self.expect(.modifiedEventMissing, failing: "no ModifiedEvent for the voicemail arrived")
    }

    @Test("a GetEvents answer that does not continue from the watermark it was given fails notifications.pull")
    func watermarkDiscontinuous() async throws {
        try await Self.expect(.watermarkDiscontinuous, failing: "watermark discontinuity: GetEvents call 1 was asked to continue from watermark")
    }

    @Test("an event held back past notification_latency_ms fails notifications.pull as late, not missing")
    func notificationLate() async throws {
        try await Self.expect(.notificationLate, limit: 150, delay: 500, failing: "ms after the CreateItem answer, over the limit of 150 ms")
    }

    @Test("a mailbox whose subscription budget is used up fails notifications.pull, naming ErrorExceededSubscriptionCount")
    func subscriptionBudgetExhausted() async throws {
        try await LiveSimulator.with(configure: { $0.maxSubscriptionsPerMailbox = 0 }) { simulator in
            var target = TargetConfiguration.simulated(simulator)
            target.mailboxes = Array(simulator.mailboxesInScope.prefix(1))
            let report = try await runSuite(target, password: simulator.serviceAccountPassword)
            let r = try report.result(CheckCatalog.notificationsPull)
            #expect(r.outcome == .failed, "\(r.message)")
            #expect(r.message.contains("Subscribe (pull) on \(target.mailboxes[0])'s Inbox answered ErrorExceededSubscriptionCount: the subscription budget (EWSMaxSubscriptions: charged to this mailbox"), "\(r.message)")
            #expect(r.facts["response_code"] == "ErrorExceededSubscriptionCount")
            #expect(!r.evidence.isEmpty)
            // The streaming subscription is charged to the same budget, and says so in its own words.
            let streaming = try report.result(CheckCatalog.notificationsStreaming)
            #expect(streaming.outcome == .failed, "\(streaming.message)")
            #expect(streaming.message.contains("Subscribe (streaming) on \(target.mailboxes[0])'s Inbox answered ErrorExceededSubscriptionCount"), "\(streaming.message)")
            // So is the subscription notifications.subscriptions-held makes first, and its failure names the budget too.
            let held = try report.result(CheckCatalog.notificationsSubscriptionsHeld)
            #expect(held.outcome == .failed && held.message.contains("answered ErrorExceededSubscriptionCount: the subscription budget (EWSMaxSubscriptions) is used up"),
                    "\(held.message)")
            #expect(held.facts["subscription_limit"] == "0")
            let others = report.results(except: [CheckCatalog.notificationsPull, CheckCatalog.notificationsStreaming, CheckCatalog.notificationsSubscriptionsHeld])
            #expect(others.allSatisfy { $0.outcome == .passed }, "\(others.filter { $0.outcome != .passed }.map(\.message))")
            #expect(simulator.tenant.allItems().isEmpty)
        }
    }

    @Test("notification_latency_ms is read from the target file, defaults to 10000 and refuses nonsense")
    func latencyKey() throws {
        let base = """
            ews_url: https://mail.contoso.com/EWS/Exchange.asmx
            service_account: {username: svc, auth: basic, password_env: PW}
            mailboxes: [alice@contoso.com]
            """
        #expect(try TargetConfiguration.parse(yaml: base, baseDirectory: "/").notificationLatencyMilliseconds == 10_000)
        #expect(try TargetConfiguration.parse(yaml: base + "\nnotification_latency_ms: 2500", baseDirectory: "/").notificationLatencyMilliseconds == 2500)
        for bad in ["0", "-5", "fast", "600001"] {
            #expect(throws: TargetFileError.self) { try TargetConfiguration.parse(yaml: base + "\nnotification_latency_ms: \(bad)", baseDirectory: "/") }
        }
    }
}
