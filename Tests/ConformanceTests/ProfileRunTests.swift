@testable import Conformance
import EWSExecutor
import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import ProviderManifest
import Synchronization
import Testing

/// A provider profile changes a run: its deviations are strict expected failures, its dated
/// notices are reported relative to the run, its request version and headers are used.
@Suite struct ProfileRunTests {
    static let hosterManifest = ProviderManifest(
        id: "test-hoster", name: "Test hoster", version: "1.0.0", vendor: "tests",
        discovery: .init(methods: [.init(method: "fixed-url", urlTemplate: "https://mail.{domain}/EWS/Exchange.asmx")]),
        auth: .init(schemes: ["basic"]),
        ews: .init(requestServerVersion: "Exchange2013_SP1", minimumServerVersion: "15.0", extraHeaders: ["X-Client-Application": "ewscheck-tests"]),
        knownDeviations: [
            .init(check: "ews.request-version.exchange2016", reason: "Exchange 2013 caps request versions"),
            .init(check: "voicemail.message-waiting", reason: "GetFolder leaves out UnreadCount"),
        ],
        readinessNotices: [
            .init(id: "past", date: "2026-10-01", kind: "blocked", summary: "already blocked"),
            .init(id: "future", date: "2027-04-01", kind: "shutdown", summary: "shut down later"),
        ])

    static func run(_ sim: Simulator, profile: ProviderManifest?, now: Date = Date()) async -> RunReport {
        let target = TargetConfiguration(
            name: "profile test", ewsURL: sim.ewsURL,
            serviceAccount: .init(username: sim.serviceAccount, auth: .basic, secret: .environment("UNUSED")),
            mailboxes: sim.mailboxesInScope, outOfScopeMailbox: sim.mailboxOutOfScope, nonexistentMailbox: sim.nonexistentMailbox,
            caFile: sim.caFile, hostPins: [HostPin(host: "mail.contoso.com", port: sim.port, address: "127.0.0.1")])
        let options = RunOptions(runID: "profile-\(UUID().uuidString.prefix(6))",
                                 profile: profile.map { RunProfile(manifest: $0, source: "test") }, now: now)
        return await SuiteRunner(target: target, credentials: .basic(user: sim.serviceAccount, password: Secret(sim.serviceAccountPassword)),
                                 options: options).run()
    }

    static func outcomes(_ report: RunReport, _ id: String) -> Set<Outcome> {
        Set(report.results.filter { $0.id.rawValue == id }.map(\.outcome))
    }

    @Test func theHostersQuirksAreFailuresWithoutAProfile() async throws {
        try await Fixtures.withSimulator(flavor: .genericHoster) { sim in
            let report = await Self.run(sim, profile: nil)
            #expect(Self.outcomes(report, "ews.request-version.exchange2016") == [.failed])
            #expect(Self.outcomes(report, "voicemail.message-waiting") == [.failed])
            #expect(report.results.first { $0.id.rawValue == "voicemail.message-waiting" }?.message.contains("UnreadCount") == true)
            #expect(report.exitCode == 1)
            #expect(sim.tenant.allItems().isEmpty)
        }
    }

    @Test func declaredDeviationsBecomeExpectedFailures() async throws {
        try await Fixtures.withSimulator(flavor: .genericHoster) { sim in
            let now = try #require(ProviderManifest.day("2026-11-26"))
            let report = await Self.run(sim, profile: Self.hosterManifest, now: now)
            #expect(Self.outcomes(report, "ews.request-version.exchange2016") == [.expectedFailure])
            #expect(Self.outcomes(report, "voicemail.message-waiting") == [.expectedFailure])
            #expect(report.summary.failed == 0 && report.summary.unexpectedPasses == 0, "\(report.results.filter { $0.outcome != .passed && $0.outcome != .expectedFailure })")
            #expect(report.exitCode == 0)
            #expect(report.profile?.id == "test-hoster")
            #expect(report.notices.map(\.id) == ["past", "future"])
            #expect(report.notices.first?.inEffect == true)
            #expect(report.notices.first?.daysFromRun == 56)
            #expect(report.notices.last?.status == "takes effect on 2027-04-01 (in 126 days)")
            // The profile's fixed header went out with every EWS request.
            let posts = report.evidence.filter { $0.method == "POST" }
            #expect(!posts.isEmpty)
            #expect(posts.allSatisfy { $0.legs.last?.requestHeaders.contains(HTTPHeader("X-Client-Application", "ewscheck-tests")) == true })
        }
    }

    @Test func aDeviationThatStopsOccurringIsAFailure() async throws {
        // The same profile against a server without those quirks: the list is stale.
        try await Fixtures.withSimulator { sim in
            let report = await Self.run(sim, profile: Self.hosterManifest)
            #expect(Self.outcomes(report, "ews.request-version.exchange2016") == [.unexpectedPass])
            #expect(Self.outcomes(report, "voicemail.message-waiting") == [.unexpectedPass])
            #expect(report.exitCode == 1)
        }
    }

    /// A run of the generic hoster with a classify hook that answers `answer` for the request
    /// version failure; the hook sees the parsed call (ResponseCode and faultcode apart).
    static func classified(_ answer: ClassifyResponseOutput.Outcome) async throws -> (RunReport, [String]) {
        try await Fixtures.withSimulator(flavor: .genericHoster) { sim in
            var manifest = Self.hosterManifest
            manifest.knownDeviations = []
            var profile = RunProfile(manifest: manifest, source: "test")
            let seen = LockedList()
            profile.responseClassifier = { input in
                seen.append("\(input.checkID) \(input.httpStatus) \(input.responseCode ?? "-") \(input.faultCode ?? "-")")
                if !HookExecutor.isCurrent { seen.append("called off the hook queue") }
                guard input.checkID == "ews.request-version.exchange2016", input.responseCode == "ErrorInvalidServerVersion" else { return nil }
                return ClassifyResponseOutput(outcome: answer, message: "this hoster is on Exchange 2013")
            }
            let target = TargetConfiguration(
                name: "classify", ewsURL: sim.ewsURL,
                serviceAccount: .init(username: sim.serviceAccount, auth: .basic, secret: .environment("UNUSED")),
                mailboxes: sim.mailboxesInScope, outOfScopeMailbox: nil, nonexistentMailbox: nil,
                caFile: sim.caFile, hostPins: [HostPin(host: "mail.contoso.com", port: sim.port, address: "127.0.0.1")])
            let report = await SuiteRunner(target: target, credentials: .basic(user: sim.serviceAccount, password: Secret(sim.serviceAccountPassword)),
                                           options: RunOptions(runID: "classify", profile: profile)).run()
            return (report, seen.items)
        }
    }

    @Test func aClassifyHookExplainsAFailureInItsOwnWords() async throws {
        let (report, seen) = try await Self.classified(.errored)
        let version = try #require(report.results.first { $0.id.rawValue == "ews.request-version.exchange2016" })
        #expect(version.outcome == .errored)
        #expect(version.message.hasPrefix("this hoster is on Exchange 2013 (classified by the test-hoster profile"))
        #expect(seen.contains("ews.request-version.exchange2016 500 ErrorInvalidServerVersion a:ErrorInvalidServerVersion"), "\(seen)")
        #expect(!seen.contains("called off the hook queue"), "hooks run on their own queue, never on the cooperative pool")
        // The hook declined the message-waiting failures, which stay failures.
        #expect(Self.outcomes(report, "voicemail.message-waiting") == [.failed])
    }

    @Test(arguments: [ClassifyResponseOutput.Outcome.passed, .expectedFailure, .skipped])
    func aClassifyHookCannotTurnAFailureIntoAPassAnExpectedFailureOrASkip(_ answer: ClassifyResponseOutput.Outcome) async throws {
        let (report, _) = try await Self.classified(answer)
        let version = try #require(report.results.first { $0.id.rawValue == "ews.request-version.exchange2016" })
        #expect(version.outcome == .failed)
        #expect(version.message.contains("which a hook cannot give"))
        #expect(version.facts["classify_response_refused"] == answer.rawValue)
        #expect(report.exitCode == 1)
    }

    @Test("a hook over its time budget is abandoned once: the run goes on, says so, and calls none of its hooks again")
    func aHookOverItsBudgetIsAbandoned() async throws {
        let release = DispatchSemaphore(value: 0)
        defer { release.signal() }
        let (report, seen) = try await Fixtures.withSimulator(flavor: .genericHoster) { sim in
            var manifest = Self.hosterManifest
            manifest.knownDeviations = []
            var profile = RunProfile(manifest: manifest, source: "budget-test")
            profile.hookBudget = .milliseconds(300)
            let seen = LockedList()
            let problems = LockedList()
            profile.reportHookProblem = { problems.append($0) }
            profile.hookDiagnostics = { problems.items }
            profile.responseClassifier = { input in
                seen.append(input.checkID)
                _ = release.wait(timeout: .now() + 60)   // hangs until the test is done with the run
                return ClassifyResponseOutput(outcome: .errored, message: "too late")
            }
            let target = TargetConfiguration(
                name: "budget", ewsURL: sim.ewsURL,
                serviceAccount: .init(username: sim.serviceAccount, auth: .basic, secret: .environment("UNUSED")),
                mailboxes: sim.mailboxesInScope, outOfScopeMailbox: nil, nonexistentMailbox: nil,
                caFile: sim.caFile, hostPins: [HostPin(host: "mail.contoso.com", port: sim.port, address: "127.0.0.1")])
            let report = await SuiteRunner(target: target, credentials: .basic(user: sim.serviceAccount, password: Secret(sim.serviceAccountPassword)),
                                           options: RunOptions(runID: "budget", profile: profile)).run()
            return (report, seen.items)
        }
        // Calls already under way when the first overran may still have started; none after it.
        let failedOrErrored = report.results.filter { $0.outcome == .failed || $0.outcome == .errored }
        #expect(failedOrErrored.count > 2, "the generic hoster has several failures for the hook to be asked about")
        #expect(!seen.isEmpty && seen.count < failedOrErrored.count, "the hook was asked \(seen.count) times for \(failedOrErrored.count) failures")
        #expect(report.warnings.filter { $0.contains("did not answer within") }.count == 1, "\(report.warnings)")
        #expect(!failedOrErrored.contains { $0.message.contains("too late") })
        #expect(report.warnings.contains { $0.contains("classify_response did not answer within 0.3 seconds (the hook time budget)") }, "\(report.warnings)")
    }

    @Test func aMinimumBuildAboveTheServersFailsTheVersionCheck() async throws {
        try await Fixtures.withSimulator(flavor: .genericHoster) { sim in
            var manifest = Self.hosterManifest
            manifest.ews.minimumServerVersion = "15.1"
            let report = await Self.run(sim, profile: manifest)
            let result = try #require(report.results.first { $0.id.rawValue == "ews.server-version" })
            #expect(result.outcome == .failed)
            #expect(result.message.contains("15.1"))
        }
    }
}

final class LockedList: Sendable {
    private let list = Mutex<[String]>([])
    func append(_ s: String) { list.locked { $0.append(s) } }
    var items: [String] { list.locked { $0 } }
}
