import EWSProtocol
import EWSTransport
import Foundation

/// Options of one run.
package struct RunOptions: Sendable {
    /// The run id (folder name of the reports).
    package var runID: String
    /// Known deviations of the provider: check id → reason. A listed check that fails is an
    /// expected failure; one that passes is an unexpected pass (the list is stale).
    package var knownDeviations: [CheckID: String]
    /// The tool version written into reports.
    package var toolVersion: String
    /// The provider profile, if one was chosen; its deviations join ``knownDeviations``.
    package var profile: RunProfile?
    /// The run date readiness notices are dated against (now, unless a test pins it).
    package var now: Date
    /// A genuinely signed, expired access token for `auth.must-fail.expired-token` (a simulator
    /// can mint one); nil makes the check send the run's token with its expiry moved into the past.
    package var expiredAccessToken: Secret?
    /// Where the cleanup ledger's journal goes (`<run folder>/ledger.jsonl`); nil keeps it in memory.
    package var ledgerPath: String?
    /// Where results are journalled as they finish (`results.jsonl` in the run folder), so an
    /// interrupted or killed run can be resumed and the reports read them back; nil: the journal
    /// is kept in memory.
    package var journalPath: String?
    /// Where every exchange is spooled as it is recorded (`evidence.jsonl` in the run folder);
    /// nil: the spool is kept in memory.
    package var evidencePath: String?
    /// Which checks run (`--only`, `--skip`, `--read-only`, `--fail-fast`); the default runs all.
    package var selection = CheckSelection()
    /// The shard this run is (`--shard I/N`): shards after the first leave most run-wide checks to
    /// shard 1 (see ``ShardSelection``). The target's mailboxes are already this shard's.
    package var shard: ShardSelection?
    /// When the run stops starting checks (`--deadline`): the checks under way finish, the rest
    /// are skipped, cleanup runs and the run could not test fully (exit 2).
    package var deadline: Date?
    /// The folder of reference EWS schemas (`v2017/`, `exchange2010sp2/` inside) that
    /// `ews.schema.responses-valid` falls back on when the provider serves no schemas; by default
    /// `../shared/ews-schemas` beside the working folder (or the parent of `$EWSCHECK_SCHEMA_DIR`) when it exists.
    package var referenceSchemas: String? = ProviderSchemas.defaultReferenceFolder()

    /// Creates options.
    package init(runID: String, knownDeviations: [CheckID: String] = [:], toolVersion: String = "0.1.0",
                profile: RunProfile? = nil, now: Date = Date()) {
        self.runID = runID
        self.knownDeviations = knownDeviations
        self.toolVersion = toolVersion
        self.profile = profile
        self.now = now
    }

    /// A sortable, unique run id: `20261126T170530Z-3f9a`.
    package static func makeRunID(_ date: Date = Date()) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.string(from: date) + "-" + String(UUID().uuidString.prefix(4)).lowercased()
    }
}

/// Runs the standard conformance suite against one target and returns the report.
package struct SuiteRunner: Sendable {
    /// The target.
    package let target: TargetConfiguration
    /// The service account's credentials.
    package let credentials: HTTPCredentials
    /// Run options.
    package let options: RunOptions
    /// Warnings gathered before the run (written into the report).
    package let warnings: [String]

    /// Creates a runner.
    package init(target: TargetConfiguration, credentials: HTTPCredentials, options: RunOptions, warnings: [String] = []) {
        self.target = target
        self.credentials = credentials
        self.options = options
        self.warnings = warnings
    }

    /// Runs every check and returns the whole report, in memory (tests and small runs; see
    /// ``record(progress:planned:)``).
    package func run(progress: @escaping @Sendable (CheckResult) -> Void = { _ in },
                    planned: @escaping @Sendable (Int) -> Void = { _ in }) async -> RunReport {
        await record(progress: progress, planned: planned).materialized()
    }

    /// Runs every check; `progress` sees each result as it is recorded. Cancelling the calling
    /// task skips the checks not yet started, but cleanup still runs. Results and exchanges go to
    /// the journal and the evidence spool as they are recorded; the record returned reads them back.
    ///
    /// - Parameters:
    ///   - progress: called with each result as it is recorded.
    ///   - planned: called once, before the first check, with how many results the run expects
    ///     (checks that apply × mailboxes for per-mailbox ones), for a progress line with an ETA.
    package func record(progress: @escaping @Sendable (CheckResult) -> Void = { _ in },
                        planned: @escaping @Sendable (Int) -> Void = { _ in }) async -> RunRecord {
        let started = Date()
        var warnings = self.warnings
        if target.insecure {
            warnings.append("TLS certificate verification is OFF (insecure): results do not prove the provider's certificate is valid")
        }
        let profile = options.profile
        let connections = min(target.concurrency, profile?.manifest.ews.maxConcurrency ?? Int.max)
        var cap: String?
        if connections < target.concurrency, let max = profile?.manifest.ews.maxConcurrency {
            cap = "concurrency \(target.concurrency) capped to \(max) by the profile's ews.max_concurrency (\(profile?.id ?? "profile"))"
            if let cap { warnings.append(cap) }
        }
        // One source of exchange ids for every transport of the run: an id names one exchange.
        let exchangeIDs = ExchangeIDSource()
        // auth: oauth2 — the bearer token comes from the token endpoint before any check runs.
        let oauth = await OAuthTokenCheck.acquire(for: target, profile: options.profile, exchangeIDs: exchangeIDs)
        let credentials = oauth?.credentials ?? self.credentials
        var transportSettings = target.transportConfiguration(credentials: credentials, connections: connections)
        // Every request asks the token source for its token, renewed before it expires.
        transportSettings.bearerTokenSource = oauth?.tokenSource
        let transport = HTTPTransport(configuration: transportSettings, exchangeIDs: exchangeIDs)
        defer { transport.shutdown() }
        let version = target.requestVersionIsExplicit ? target.requestVersion : (profile?.requestVersion ?? target.requestVersion)
        var clientSettings = EWSClient.Configuration(url: target.ewsURL, requestVersion: version, extraHeaders: profile?.extraHeaders ?? [],
                                                     requestAdjuster: profile?.requestAdjuster)
        // One width for the whole run, lowered on ErrorExceededConnectionCount and raised again on
        // successes (never above the configured width); waits bounded by the run's end.
        let limiter = AdaptiveConcurrency(width: connections)
        let runThrottleLog = ThrottleLog()
        clientSettings.concurrency = limiter
        clientSettings.runThrottleLog = runThrottleLog
        clientSettings.throttling = Self.throttlingPolicy(started: started, overallTimeout: target.overallTimeout, deadline: options.deadline)
        let client = EWSClient(transport: transport, configuration: clientSettings)
        var deviations = profile?.deviationRules ?? [:]
        for (id, reason) in options.knownDeviations { deviations[id] = DeviationRule(reason: reason, signature: nil) }
        let unknown = CheckRegistry.unknownDeviationIDs(in: deviations.keys.map(\.rawValue)).sorted()
        if !unknown.isEmpty {
            warnings.append("known deviation\(unknown.count == 1 ? "" : "s") for \(unknown.joined(separator: ", ")): no check of catalogue \(CheckRegistry.version) has \(unknown.count == 1 ? "this id" : "these ids")")
        }
        for d in profile?.manifest.knownDeviations ?? [] where d.signature == nil && CheckRegistry.contains(CheckID(d.check)) {
            warnings.append("the known deviation for \(d.check) gives no signature: any failure of that check counts as expected")
        }
        let journal = options.journalPath.map(ResultJournal.init(path:)) ?? ResultJournal()
        let spool = options.evidencePath.map(EvidenceSpool.init(path:)) ?? EvidenceSpool()
        let recorder = Recorder(deviations: deviations, journal: journal, spool: spool, progress: progress)
        let ledger = options.ledgerPath.map { CleanupLedger(runID: options.runID, journalPath: $0) } ?? CleanupLedger()
        var effectiveTarget = target
        effectiveTarget.requestVersion = version
        effectiveTarget.concurrency = connections
        if let profile, let mismatch = profile.targetMismatch(target) { warnings.append(mismatch) }
        let state = RunState()
        state.oauth = oauth
        var suite = CheckContext(target: effectiveTarget, client: client, transport: transport, recorder: recorder, ledger: ledger,
                          runID: options.runID, profile: profile, state: state)
        suite.expiredToken = options.expiredAccessToken
        suite.referenceSchemas = options.referenceSchemas
        var deselected = options.selection.deselected()
        let leftToFirstShard = options.shard?.runWideChecksLeftToFirstShard() ?? [:]
        deselected.merge(leftToFirstShard) { mine, _ in mine }
        suite.deselected = deselected
        suite.failFast = options.selection.failFast
        planned(suite.expectedResultCount())
        journal.begin(.init(runID: options.runID, ewsURL: effectiveTarget.ewsURL, mailboxes: target.mailboxes,
                             catalog: CheckRegistry.version, startedAt: started,
                             perMailboxChecks: CheckRegistry.checks.filter { $0.definition.perMailbox && suite.isPlanned($0) }.map(\.id)))

        // Could not test: a failure before the provider gave any EWS answer stops the run with one
        // root cause instead of failing every check (see RootCause).
        // (Not when the token was refused: that check already failed, and nothing goes to EWS then.)
        let tokenRefused = oauth.map { !$0.verdict.outcome.satisfiesDependents } ?? false
        var couldNotTest: RootCause?
        if effectiveTarget.ewsURLIsPending {
            // Autodiscover found nothing: its checks say why; there is no EWS URL to test.
            await suite.runDiscoveryChecks()
            couldNotTest = await Self.undiscovered(target: effectiveTarget, recorder: recorder)
        } else if let oauth, oauth.verdict.outcome == .errored {
            // No answer from the token endpoint: nothing can be tested without a token. The token
            // check itself is recorded, with its own message (a missing secret file, a DNS failure).
            if let check = CheckRegistry.check(OAuthTokenCheck.id) { await suite.run(check) }
            couldNotTest = RootCause(kind: .transport, summary: "no access token: \(oauth.verdict.message)",
                                     remedy: "check that this machine reaches the token endpoint (DNS, firewall, --proxy) and the tenant_id",
                                     evidence: oauth.verdict.exchanges.map(\.id), notRun: await Self.notRun(recorder))
        } else if !tokenRefused {
            // (Autodiscover has not run yet, so its probes count as planned when the target has a discovery section.)
            let planned = Set(CheckRegistry.checks.filter { suite.isPlanned($0) || (target.discovery != nil && $0.definition.area == "discovery") }.map(\.id))
            couldNotTest = await Self.contact(target: effectiveTarget, transport: transport, recorder: recorder, planned: planned,
                                              headers: client.configuration.extraHeaders)
        }
        let contactFailed = couldNotTest != nil
        if !contactFailed {
            let checks = suite
            let deadline = options.deadline
            if await RunDeadline.run(seconds: target.overallTimeout, stopAt: deadline,
                                     onDeadline: { if let deadline { state.stop(RunDeadline.skipReason(deadline)) } },
                                     { await checks.runChecks() }) {
                couldNotTest = RootCause(kind: .overallTimeout,
                                         summary: "the run did not finish within its overall limit of \(ProviderContact.seconds(target.overallTimeout)); the checks not finished were stopped",
                                         remedy: "raise --overall-timeout (timeouts.overall in the target file) or certify fewer mailboxes per run")
            } else if let deadline {
                let reason = RunDeadline.skipReason(deadline)
                let kept = await recorder.stoppedResults(message: reason)
                if kept.count > 0 {
                    couldNotTest = RootCause(kind: .deadline,
                                             summary: "the run's deadline (\(RunDeadline.describe(deadline))) passed with \(kept.count) result\(kept.count == 1 ? "" : "s") not started; they were skipped",
                                             remedy: "give the run a later --deadline, or certify fewer mailboxes per run (--mailbox-limit, --shard)",
                                             notRun: kept.checks)
                }
            }
        }
        let interrupted = Task.isCancelled
        state.interrupted = interrupted
        // Cleanup runs in a task of its own: the run's cancellation (Ctrl-C) must not abort the
        // requests that remove what the run created.
        let cleaner = suite
        // Without a first contact no check ran and nothing was created: nothing to clean.
        if !contactFailed { await Task { await cleaner.runFinalChecks() }.value }
        if let source = oauth?.tokenSource {
            // Every renewal is evidence of the run (the checks that caused them cite them too).
            for renewal in await source.renewals { await recorder.keep(renewal.exchange) }
            await source.shutdown()
        }
        if let source = transportSettings.kerberosTicketSource {
            // So is every renewal of the Kerberos ticket.
            for renewal in await source.renewals { await recorder.keep(renewal.exchange) }
        }
        if let problem = journal.writeError { warnings.append("the results journal could not be written (\(problem)); this run cannot be resumed") }
        if let problem = spool.writeError { warnings.append("the evidence spool could not be written (\(problem)); the exchanges it could not take were kept in memory") }
        if let problem = ledger.journalError { warnings.append("the ledger file could not be written (\(problem)); a killed run's items can still be found by their run tag") }

        warnings += profile?.hookDiagnostics() ?? []
        warnings += await recorder.evidenceConflicts
        let results = await recorder.sortedRecords(mailboxOrder: target.mailboxes)
        let summary = RunReport.Summary(recorded: results)
        let all = ledger.all
        let narrowed = options.selection != CheckSelection() || !leftToFirstShard.isEmpty
        let header = RunReport(
            tool: .init(name: "ewscheck", version: options.toolVersion), runID: options.runID,
            startedAt: started, finishedAt: Date(),
            target: .init(name: target.name, ewsURL: target.ewsURL, requestVersion: version.rawValue,
                          authScheme: credentials.schemeName ?? "none", serviceAccount: target.serviceAccount.username,
                          mailboxes: target.mailboxes, outOfScopeMailbox: target.outOfScopeMailbox,
                          nonexistentMailbox: target.nonexistentMailbox, hostPins: target.hostPins.map(\.description),
                          proxy: target.proxy == .none ? nil : target.proxy.description),
            profile: profile.map { .init(id: $0.id, name: $0.name, version: $0.version, source: $0.source) },
            notices: profile?.notices(relativeTo: options.now) ?? [],
            tls: .init(verify: !target.insecure, insecure: target.insecure, caFile: target.caFile),
            server: await recorder.serverVersion, summary: summary,
            exitCode: Int(ExitStatus.of(summary, interrupted: interrupted, couldNotTest: couldNotTest != nil)), interrupted: interrupted,
            warnings: warnings, results: [],
            cleanup: .init(created: all.count, removed: all.filter(\.removed).count, leftover: all.filter { !$0.removed }),
            evidence: [],
            catalog: CheckRegistry.stamp,
            selection: narrowed ? .init(only: options.selection.only, skip: options.selection.skip, readOnly: options.selection.readOnly,
                                        failFast: options.selection.failFast,
                                        deselected: Dictionary(uniqueKeysWithValues: deselected.map { ($0.key.rawValue, $0.value) })) : nil,
            couldNotTest: couldNotTest,
            throttling: RunThrottling(configuredWidth: target.concurrency, cap: cap, limiter: limiter, log: runThrottleLog))
        return RunRecord(header: header, results: results, journal: journal, evidence: spool)
    }

    /// How a run honours throttling answers: retries of one request after `ErrorExceededConnectionCount`
    /// bounded by time, not by count (the run's width comes down until the provider takes it);
    /// after `ErrorServerBusy` or 503 at most 8 in a row (a budget shared by the run's parallel
    /// requests may refuse a retry more than once, but a provider that refuses one request on and
    /// on is refusing it); each wait exactly as asked, none begun that would end after the run's
    /// deadline or overall limit.
    static func throttlingPolicy(started: Date, overallTimeout: Double, deadline: Date?) -> ThrottlingPolicy {
        let end = started.addingTimeInterval(min(overallTimeout, 366 * 86_400))
        return ThrottlingPolicy(maxRetries: 10_000, maxBusyRetries: 8, maxSingleWait: 300_000, maxTotalWait: 600_000,
                                until: deadline.map { min($0, end) } ?? end)
    }

    /// The root cause of a run whose EWS URL Autodiscover did not find.
    static func undiscovered(target: TargetConfiguration, recorder: Recorder) async -> RootCause {
        RootCause(kind: .discovery,
                  summary: "Autodiscover found no EWS URL for \(target.discovery?.address ?? "the discovery address")",
                  remedy: "the discovery.* results show every method and hop tried; fix the provider's Autodiscover or set ews_url in the target file",
                  notRun: await notRun(recorder))
    }

    /// The checks every run has (conditional ones, which only some targets get, are left out)
    /// that have no result yet: those a root cause kept from running.
    static func notRun(_ recorder: Recorder, except: Set<CheckID> = []) async -> [CheckID] {
        let recorded = await recorder.recordedChecks
        return CheckCatalog.standard.map(\.id).filter {
            !recorded.contains($0) && !except.contains($0) && !CheckCatalog.conditional.contains($0)
        }
    }

    /// The first contact (see ``ProviderContact``): nil when the EWS endpoint answered; else the
    /// root cause, recorded as `ews.endpoint.reachable` (failed when the provider's certificate is
    /// itself the finding, errored otherwise), with every other check listed as not run.
    static func contact(target: TargetConfiguration, transport: HTTPTransport, recorder: Recorder, planned: Set<CheckID>? = nil,
                        headers: [HTTPHeader] = []) async -> RootCause? {
        let (exchange, found) = await ProviderContact(target: target, transport: transport, headers: headers).probe()
        guard var cause = found else {
            if let exchange { await recorder.keep(exchange) }
            return nil
        }
        let definition = CheckCatalog.definition(CheckCatalog.endpointReachable)
        let recorded = await recorder.recordedChecks
        // The checks this run would have had (applicable and selected), in report order.
        cause.notRun = CheckCatalog.standard.map(\.id).filter {
            $0 != CheckCatalog.endpointReachable && !recorded.contains($0) && planned?.contains($0) != false
        }
        if let definition {
            let message = cause.line
            let verdict = cause.providerFinding ? Verdict.failed(message, [exchange]) : Verdict.errored(message, [exchange])
            await recorder.record(definition, mailbox: nil, verdict: verdict, duration: (exchange?.durationMilliseconds ?? 0) / 1000)
        } else if let exchange {
            await recorder.keep(exchange)
        }
        return cause
    }
}
