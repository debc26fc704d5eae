@testable import Conformance
import EWSProtocol
import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Reports
import Synchronization
import Testing

/// Runs against the simulator's throttling policy modelled on Exchange's (SimulatedThrottlingPolicy):
/// each answer (ErrorExceededConnectionCount, ErrorServerBusy with BackOffMilliseconds, HTTP 503 with
/// Retry-After, ErrorExceededSubscriptionCount) is honoured, the simulator's request log proves every
/// wait and retry, the run's width adapts to EWSMaxConcurrency, and nothing fails because of throttling.
/// Real waits (a clock): in the Makefile's TIMED_SUITES.
@Suite("Exchange throttling policy", .serialized)
struct ExchangeThrottlingTests {
    /// A run of the whole suite against a simulator with `policy` (and `configure`'s other settings).
    static func run(_ policy: SimulatedThrottlingPolicy, mailboxes: Int, concurrency: Int,
                    configure: (inout SimulatorConfiguration) -> Void = { _ in })
        async throws -> (RunReport, [SimulatorRequestRecord]) {
        var config = SimulatorConfiguration()
        config.stateDirectory = try Fixtures.temporaryDirectory("throttling-policy")
        config.mailboxesInScope = SimulatorConfiguration.generatedMailboxes(count: mailboxes)
        config.throttlingPolicy = policy
        configure(&config)
        return try await withSimulator({ try await Simulator.start(config) }) { sim in
            let dir = try #require(config.stateDirectory)
            let target = try TargetConfiguration.load(path: try SimulatorTarget.write(for: sim, in: dir, concurrency: concurrency))
            var warnings: [String] = []
            let credentials = try target.credentials(warnings: &warnings)
            let report = await SuiteRunner(target: target, credentials: credentials, options: RunOptions(runID: RunOptions.makeRunID())).run()
            return (report, sim.requestLog)
        }
    }

    /// A policy with every part off, for a test to turn on the one it is about.
    static var quiet: SimulatedThrottlingPolicy {
        var policy = SimulatedThrottlingPolicy()
        policy.maxConcurrency = 10_000
        policy.cpuBudgetMilliseconds = 0
        policy.serverMaxInFlight = 0
        return policy
    }

    /// Nothing failed or errored (the simulator's own deviations aside, which are expected failures).
    static func expectNothingFailed(_ report: RunReport, except: Set<CheckID> = [], sourceLocation: SourceLocation = #_sourceLocation) {
        let bad = report.results.filter { ![.passed, .skipped, .expectedFailure].contains($0.outcome) && !except.contains($0.id) }
        #expect(bad.isEmpty, "\(bad.map { "\($0.displayName): \($0.message)" })", sourceLocation: sourceLocation)
        #expect(report.couldNotTest == nil, sourceLocation: sourceLocation)
    }

    /// Each throttled EWS request of the log was sent again by the same account for the same
    /// anchor mailbox, no sooner than `minimumWait` (or the wait its answer asked for) after it.
    static func expectEachRetried(_ throttled: [(offset: Int, element: SimulatorRequestRecord)], in log: [SimulatorRequestRecord],
                                  minimumWait: Double = 0, sourceLocation: SourceLocation = #_sourceLocation) {
        for (index, refused) in throttled {
            let wait = max(minimumWait, Double(refused.askedWaitMilliseconds ?? 0) / 1000)
            let retry = log[(index + 1)...].first {
                $0.user == refused.user && $0.anchorMailbox == refused.anchorMailbox && $0.path == refused.path
                    && $0.time.timeIntervalSince(refused.time) >= wait - 0.005
            }
            #expect(retry != nil, "request \(index) (\(refused.throttle ?? "-"), \(refused.anchorMailbox ?? "-")) was sent again after \(wait) s",
                    sourceLocation: sourceLocation)
        }
    }

    static func ews(_ log: [SimulatorRequestRecord]) -> [(offset: Int, element: SimulatorRequestRecord)] {
        log.enumerated().filter { $0.element.method == "POST" && $0.element.path.lowercased().hasPrefix("/ews/exchange.asmx") }
    }

    /// EWSMaxConcurrency charged to the caller, lower than the run's width: the provider answers
    /// ErrorExceededConnectionCount (an HTTP 500 fault), the run waits, sends again and halves its
    /// width; the log shows the in-flight count below the limit afterwards, the checks that caused a
    /// lowering say so in their facts, and report.json's run-level throttling lists each lowering.
    @Test func exceededConnectionCountIsRetriedAndLowersTheRunsWidth() async throws {
        var policy = Self.quiet
        policy.maxConcurrency = 3
        policy.budgetHolder = .caller
        let (report, log) = try await Self.run(policy, mailboxes: 12, concurrency: 12) { $0.latencyMilliseconds = 20 }
        Self.expectNothingFailed(report)
        let ews = Self.ews(log)
        let refused = ews.filter { $0.element.throttle == "EWSMaxConcurrency" }
        #expect(!refused.isEmpty, "the limit bit")
        for (_, r) in refused {
            #expect(r.status == 500 && r.responseCodes == ["ErrorExceededConnectionCount"] && r.inFlight == 3, "\(r)")
        }
        Self.expectEachRetried(refused, in: log, minimumWait: Double(ThrottlingPolicy().connectionRetryMilliseconds) / 1000)
        // After the first refusal the run keeps fewer requests in flight than the limit most of the time.
        let first = try #require(refused.first?.offset)
        let admittedAfter = ews.filter { $0.offset > first && $0.element.throttle == nil }.compactMap(\.element.inFlight)
        #expect(!admittedAfter.isEmpty)
        #expect(admittedAfter.contains { $0 < 3 }, "the in-flight count drops below the limit")
        let belowShare = Double(admittedAfter.filter { $0 < 3 }.count) / Double(max(1, admittedAfter.count))
        // (At the limit is allowed; a run that stayed at its width of 12 would never be below it.)
        #expect(belowShare > 0.25, "often below the limit after the error: \(belowShare)")
        // Far fewer refusals than a fixed width of 12 against a limit of 3 would draw.
        let laterShare = Double(ews.filter { $0.offset > first && $0.element.throttle != nil }.count) / Double(max(1, ews.count - first))
        #expect(laterShare < 0.25, "refused after the first lowering: \(laterShare)")
        // Run-level facts: each lowering, and the waits.
        let throttling = try #require(report.throttling)
        #expect(throttling.startWidth == 12 && throttling.configuredWidth == 12)
        #expect(!throttling.lowerings.isEmpty && throttling.lowestWidth <= 3, "\(throttling.line)")
        #expect(throttling.lowerings.allSatisfy { $0.to == max(1, $0.from / 2) && $0.reason == "ErrorExceededConnectionCount" && $0.exchangeID != nil })
        #expect(throttling.finalWidth <= throttling.startWidth)
        #expect(throttling.waitsByReason.contains { $0.reason == "ErrorExceededConnectionCount" && $0.count > 0 })
        // The checks' facts: every lowering is in the facts of the check whose request caused it.
        let lowered = report.results.compactMap { $0.facts["concurrency_lowered"] }.joined(separator: "; ")
        for lowering in throttling.lowerings {
            #expect(lowered.contains(lowering.description), "\(lowering) in a check's facts")
        }
    }

    /// A CPU budget per impersonated mailbox, spent: ErrorServerBusy with BackOffMilliseconds; the
    /// log shows each refused request sent again no sooner than the back-off it asked for.
    @Test func aSpentCPUBudgetIsWaitedOutExactly() async throws {
        var policy = Self.quiet
        policy.cpuBudgetMilliseconds = 200
        policy.cpuChargeMilliseconds = 10
        policy.cpuWindowMilliseconds = 500
        let (report, log) = try await Self.run(policy, mailboxes: 3, concurrency: 3)
        Self.expectNothingFailed(report)
        let refused = Self.ews(log).filter { $0.element.throttle == "CPU budget" }
        #expect(refused.count >= 3, "the budget was spent: \(refused.count)")
        for (_, r) in refused {
            #expect(r.status == 500 && r.responseCodes == ["ErrorServerBusy"] && (r.askedWaitMilliseconds ?? 0) > 0, "\(r)")
            #expect(r.budget?.hasPrefix("impersonation:") == true || r.budget == r.user?.lowercased(), "\(r.budget ?? "-")")
        }
        Self.expectEachRetried(refused, in: log)
        let throttling = try #require(report.throttling)
        let busy = try #require(throttling.waitsByReason.first { $0.reason == "ErrorServerBusy BackOffMilliseconds" })
        #expect(busy.count > 0 && busy.count <= refused.count)
        #expect(throttling.lowerings.isEmpty, "ErrorServerBusy does not lower the width")
        #expect(report.results.contains { $0.facts["throttle_back_offs"]?.contains("ErrorServerBusy BackOffMilliseconds") == true })
    }

    /// More requests in flight on the whole server than it takes: HTTP 503 with Retry-After; each
    /// is waited out (1 s) and sent again, through the run's client.
    @Test func serverOverloadIsAnswered503AndRetriedAfterRetryAfter() async throws {
        var policy = Self.quiet
        policy.serverMaxInFlight = 2
        policy.retryAfterSeconds = 1
        var config = SimulatorConfiguration()
        config.stateDirectory = try Fixtures.temporaryDirectory("throttling-overload")
        config.throttlingPolicy = policy
        config.latencyMilliseconds = 150
        try await withSimulator({ try await Simulator.start(config) }) { sim in
            let (plain, transport) = SimulatorTarget.client(for: sim)
            defer { transport.shutdown() }
            var settings = plain.configuration
            settings.concurrency = AdaptiveConcurrency(width: 6)
            let run = ThrottleLog()
            settings.runThrottleLog = run
            let client = EWSClient(transport: HTTPTransport(configuration: {
                var t = transport.configuration
                t.connections = 6
                return t
            }()), configuration: settings)
            defer { client.transport.shutdown() }
            let answers = await withTaskGroup(of: String.self) { group in
                let sid = ConnectingSID.primarySmtpAddress("alice@\(sim.configuration.domain)")
                for _ in 0..<6 {
                    group.addTask { await client.perform(GetFolder(folders: [.inbox]), impersonating: sid).messages.first?.responseCode ?? "none" }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(answers == Array(repeating: "NoError", count: 6), "\(answers)")
            let log = sim.requestLog
            let refused = Self.ews(log).filter { $0.element.throttle == "server overload" }
            #expect(refused.count >= 4, "\(refused.count) refused")
            for (_, r) in refused {
                #expect(r.status == 503 && r.askedWaitMilliseconds == 1000, "\(r)")
            }
            Self.expectEachRetried(refused, in: log)
            #expect(run.all.filter { $0.reason == "HTTP 503 Retry-After" }.count == refused.count, "every 503 waited: \(run.all)")
            #expect(run.all.allSatisfy { $0.milliseconds == 1000 })
            #expect(run.lowerings.isEmpty, "a 503 does not lower the width")
        }
    }

    /// EWSMaxSubscriptions of 1 per mailbox (charged to the target mailbox): the notification
    /// checks hold one subscription at a time and end it, so the limit never refuses them; a
    /// second live subscription for the same mailbox gets ErrorExceededSubscriptionCount, logged.
    @Test func theSubscriptionLimitIsKeptAndItsRefusalLogged() async throws {
        var policy = Self.quiet
        policy.maxSubscriptions = 1
        let (report, log) = try await Self.run(policy, mailboxes: 2, concurrency: 2)
        Self.expectNothingFailed(report)
        let subscribes = log.filter { $0.operation == "Subscribe" }
        #expect(subscribes.count >= 2, "the notification checks subscribed")
        #expect(!subscribes.contains { $0.throttle == "EWSMaxSubscriptions" }, "the run stays within the limit")

        var config = SimulatorConfiguration()
        config.stateDirectory = try Fixtures.temporaryDirectory("throttling-subscriptions")
        config.throttlingPolicy = policy
        try await withSimulator({ try await Simulator.start(config) }) { sim in
            let (client, transport) = SimulatorTarget.client(for: sim)
            defer { transport.shutdown() }
            let sid = ConnectingSID.primarySmtpAddress("alice@\(sim.configuration.domain)")
            let first = await client.perform(PullSubscribe(folders: [.inbox], eventTypes: ["NewMailEvent"]), impersonating: sid)
            #expect(first.messages.first?.responseCode == "NoError", "\(first.summary)")
            let second = await client.perform(PullSubscribe(folders: [.inbox], eventTypes: ["NewMailEvent"]), impersonating: sid)
            #expect(second.httpStatus == 200 && second.messages.first?.responseCode == "ErrorExceededSubscriptionCount", "\(second.summary)")
            let refused = sim.requestLog.filter { $0.throttle == "EWSMaxSubscriptions" }
            #expect(refused.count == 1 && refused.first?.responseCodes == ["ErrorExceededSubscriptionCount"])
            if let id = first.messages.first?.payload?.id { _ = await client.perform(Unsubscribe(subscriptionID: id), impersonating: sid) }
        }
    }

    /// Exchange Online's flavor throttles unless told not to, with its published numbers; the others
    /// only when asked.
    @Test func theExchangeOnlineFlavorThrottlesByDefault() {
        var config = SimulatorConfiguration()
        #expect(config.effectiveThrottlingPolicy == nil, "on premises: off by default")
        config.throttlingPolicyEnabled = true
        #expect(config.effectiveThrottlingPolicy == SimulatedThrottlingPolicy(), "selectable for the other flavors")
        config = SimulatorConfiguration()
        config.flavor = .exchangeOnline
        let policy = config.effectiveThrottlingPolicy
        #expect(policy?.maxConcurrency == 27 && policy?.maxSubscriptions == 20 && policy?.budgetHolder == .targetMailbox)
        config.throttlingPolicyEnabled = false
        #expect(config.effectiveThrottlingPolicy == nil, "switchable off")
    }

    /// The done-when of issue 12 at a size the test budget affords: the exchange-online flavor (OAuth,
    /// app-only impersonation) with its throttling on, numbers tightened so every part bites, a wide
    /// run: nothing fails because of throttling, and report.json records the back-offs and lowerings.
    @Test func aWideRunAgainstThrottlingExchangeOnlinePassesAndRecordsTheBackOffs() async throws {
        var policy = SimulatedThrottlingPolicy()
        policy.maxConcurrency = 4
        policy.budgetHolder = .caller
        policy.cpuBudgetMilliseconds = 400
        policy.cpuChargeMilliseconds = 2
        policy.cpuWindowMilliseconds = 1_000
        policy.serverMaxInFlight = 12
        policy.retryAfterSeconds = 1
        var config = SimulatorConfiguration()
        config.flavor = .exchangeOnline
        config.stateDirectory = try Fixtures.temporaryDirectory("throttling-exo")
        config.mailboxesInScope = SimulatorConfiguration.generatedMailboxes(count: 24)
        config.throttlingPolicy = policy
        config.latencyMilliseconds = 5
        let (report, log) = try await withSimulator({ try await Simulator.start(config) }) { sim in
            let entra = try #require(sim.entra)
            let app = entra.consentedApplication
            let file = try TestPaths.temporaryDirectory("exo-secret") + "/client.secret"
            FileManager.default.createFile(atPath: file, contents: Data((entra.clientSecret(of: app.clientID) ?? "").utf8),
                                           attributes: [.posixPermissions: 0o600])
            var account = TargetConfiguration.ServiceAccount(username: app.clientID, auth: .oauth2, secret: .file(file))
            account.oauth = .init(tenantID: entra.tenantID, clientID: app.clientID, tokenEndpoint: sim.tokenEndpointURL)
            var target = TargetConfiguration(name: "throttling exchange online", ewsURL: sim.outlookURL, serviceAccount: account,
                                             mailboxes: sim.mailboxesInScope, outOfScopeMailbox: sim.mailboxOutOfScope,
                                             nonexistentMailbox: sim.nonexistentMailbox, caFile: sim.caFile, hostPins: sim.exchangeOnlineHostPins)
            target.distributionList = "support@\(sim.configuration.domain)"
            target.concurrency = 16
            var warnings: [String] = []
            let credentials = try target.credentials(environment: [:], warnings: &warnings)
            let report = await SuiteRunner(target: target, credentials: credentials, options: RunOptions(runID: RunOptions.makeRunID()),
                                           warnings: warnings).run()
            return (report, sim.requestLog)
        }
        // The flavor answers an out-of-scope mailbox with HTTP 403 (an application access policy), the
        // form the check expects with an app-only token.
        Self.expectNothingFailed(report)
        #expect(try report.result(CheckCatalog.outOfScopeDenied).facts["http_status"] == "403")
        #expect(!report.results.contains { $0.facts["throttled"] != nil }, "no check gave up on throttling")
        let throttledAnswers = Self.ews(log).filter { $0.element.throttle != nil }
        #expect(Set(throttledAnswers.compactMap(\.element.throttle)).isSuperset(of: ["EWSMaxConcurrency", "CPU budget"]),
                "\(Set(throttledAnswers.compactMap(\.element.throttle)))")
        Self.expectEachRetried(throttledAnswers.filter { $0.element.throttle != "EWSMaxConcurrency" }, in: log)
        let throttling = try #require(report.throttling)
        #expect(throttling.waits > 0 && !throttling.lowerings.isEmpty, "\(throttling.line)")
        #expect(throttling.waits <= throttledAnswers.count)
        // report.json carries it (snake_case, as the schema says).
        let json = try JSONSerialization.jsonObject(with: JSONReportWriter.encode(report)) as? [String: Any]
        let recorded = try #require(json?["throttling"] as? [String: Any])
        #expect((recorded["waits"] as? Int) == throttling.waits)
        #expect((recorded["lowerings"] as? [[String: Any]])?.first?["exchange_id"] != nil)
    }
}
