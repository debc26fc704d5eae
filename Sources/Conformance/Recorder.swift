import EWSProtocol
import EWSTransport
import Foundation

/// Collects results and evidence; applies known deviations (strictly, by signature). Evidence is
/// kept by exchange id and never overwritten: a second, different exchange under a cited id is a
/// harness defect, named in the report's warnings.
///
/// Results and exchanges go to the run's journal and evidence spool as they are recorded (files
/// in the run folder, or memory without one); the recorder keeps only what dependencies and the
/// reports' order and counts need (``RecordedResult``), so its memory does not grow with the
/// evidence. ``RunRecord`` reads the rest back.
actor Recorder {
    /// One light record per result, in the order recorded.
    private var recorded: [RecordedResult] = []
    /// What dependencies ask of the latest result of each check (and mailbox): its outcome, and
    /// the message of a skip (root causes quote it). Looked up for every check of every mailbox,
    /// so by key.
    private var latest: [ResultKey: Latest] = [:]
    private struct ResultKey: Hashable {
        var id: CheckID
        var mailbox: String?
    }
    private struct Latest {
        var outcome: Outcome
        var skipMessage: String?
    }
    /// Results that are not per mailbox, whole (a few dozen; checks read their facts).
    private var runWide: [CheckID: CheckResult] = [:]
    /// The outcomes of each check, one per mailbox it ran for.
    private var outcomesByCheck: [CheckID: [Outcome]] = [:]
    /// The checks of results skipped because the run stopped, by message (for the deadline's root cause).
    private var stopped: [String: [CheckID]] = [:]
    private(set) var serverVersion: ServerVersionInfo?
    private(set) var evidenceConflicts: [String] = []
    private let deviations: [CheckID: DeviationRule]
    private let progress: @Sendable (CheckResult) -> Void
    /// Where each result goes as it is recorded.
    let journal: ResultJournal
    /// Where each exchange goes as it is recorded (once per id).
    let spool: EvidenceSpool

    init(deviations: [CheckID: DeviationRule], journal: ResultJournal = ResultJournal(), spool: EvidenceSpool = EvidenceSpool(),
         progress: @escaping @Sendable (CheckResult) -> Void) {
        self.deviations = deviations
        self.journal = journal
        self.spool = spool
        self.progress = progress
    }

    /// Keeps an exchange no check cites (the first-contact probe), so the evidence is complete.
    func keep(_ exchange: HTTPExchange) { spool.append(exchange) }

    func setServerVersion(_ v: ServerVersionInfo?) { if serverVersion == nil { serverVersion = v } }

    /// The latest result of a check that is not per mailbox.
    func result(of id: CheckID) -> CheckResult? { runWide[id] }

    func outcome(of id: CheckID, mailbox: String?) -> Outcome? {
        latest[ResultKey(id: id, mailbox: mailbox)]?.outcome
    }

    /// The outcomes of a per-mailbox check, one per mailbox it ran for.
    func outcomes(of id: CheckID) -> [Outcome] { outcomesByCheck[id] ?? [] }

    /// The checks that have at least one result.
    var recordedChecks: Set<CheckID> { Set(outcomesByCheck.keys) }

    /// How many results were skipped because the run stopped with `message`, and their checks in
    /// report order.
    func stoppedResults(message: String) -> (count: Int, checks: [CheckID]) {
        let ids = stopped[message] ?? []
        var unique: [CheckID] = []
        var seen: Set<CheckID> = []
        for id in ids where seen.insert(id).inserted { unique.append(id) }
        return (ids.count, unique.sorted { CheckRegistry.order(of: $0) < CheckRegistry.order(of: $1) })
    }

    /// How an outcome reads after "which": `failed`, `was skipped`, `errored`.
    static func phrase(_ outcome: Outcome) -> String {
        switch outcome {
        case .passed: return "passed"
        case .failed: return "failed"
        case .expectedFailure: return "failed (a known deviation)"
        case .unexpectedPass: return "passed unexpectedly"
        case .skipped: return "was skipped"
        case .errored: return "errored"
        }
    }

    /// For a skipped check, the first check down its dependency chain that did not pass
    /// (`auth.service-account failed`); nil when it was not skipped for a dependency.
    func rootCause(of id: CheckID, mailbox: String?) -> String? {
        guard let result = latest[ResultKey(id: id, mailbox: mailbox)] else { return nil }
        let name = mailbox.map { "\(id)[\($0)]" } ?? id.rawValue
        guard result.outcome == .skipped else { return "\(name) \(Self.phrase(result.outcome))" }
        for dependency in CheckCatalog.definition(id)?.dependsOn ?? [] {
            let depMailbox = CheckCatalog.definition(dependency)?.perMailbox == true ? mailbox : nil
            if let outcome = outcome(of: dependency, mailbox: depMailbox), !outcome.satisfiesDependents {
                // (a conditional dependency that did not run has no outcome and is passed over)
                return rootCause(of: dependency, mailbox: depMailbox)
            }
        }
        return "\(name) was skipped (\(result.skipMessage ?? ""))"
    }

    @discardableResult
    func record(_ definition: CheckDefinition, mailbox: String?, verdict: Verdict, duration: Double) -> CheckResult {
        var outcome = verdict.outcome
        var message = verdict.message
        var facts = verdict.facts
        var stoppedByRun = verdict.stoppedByRun
        // A request the run's own cancellation aborted says nothing about the provider.
        if Task.isCancelled, outcome == .failed || outcome == .errored,
           verdict.exchanges.contains(where: { $0.error?.hasPrefix("cancelled") == true }) {
            outcome = .skipped
            message = "run interrupted while this check ran (\(message))"
            stoppedByRun = true
        }
        if let rule = deviations[definition.id] {
            if outcome == .failed {
                if let mismatch = rule.mismatch(message: message, facts: facts) {
                    // Another defect than the one declared: it stays a failure.
                    message += " (a known deviation is declared for this check, \"\(rule.reason)\", but this failure does not show its signature: \(mismatch))"
                    facts["deviation_signature_mismatch"] = mismatch
                } else {
                    outcome = .expectedFailure
                    message += " (known deviation: \(rule.reason))"
                }
            } else if outcome == .passed {
                outcome = .unexpectedPass
                message += " (listed as a known deviation, \"\(rule.reason)\", but it passed: remove it from the profile)"
            }
        }
        for x in verdict.exchanges where !spool.append(x) && !spool.holds(x) {
            let known = spool.exchange(x.id).map { "\($0.method) \($0.url)" } ?? "(unreadable)"
            evidenceConflicts.append("exchange #\(x.id) was recorded for two different requests (\(known) and \(x.method) \(x.url)); the first is kept")
        }
        let result = CheckResult(id: definition.id, title: definition.title, requirement: definition.requirement,
                                 mailbox: mailbox, outcome: outcome, message: message,
                                 durationMilliseconds: (duration * 1000).rounded() / 1000,
                                 evidence: Array(Set(verdict.exchanges.map(\.id) + verdict.spooled)).sorted(), facts: facts, level: definition.level)
        latest[ResultKey(id: result.id, mailbox: mailbox)] = Latest(outcome: outcome, skipMessage: outcome == .skipped ? message : nil)
        outcomesByCheck[result.id, default: []].append(outcome)
        if mailbox == nil { runWide[result.id] = result }
        if stoppedByRun { stopped[message, default: []].append(result.id) }
        // The result is read back from the journal; if its line could not be written, it stays here.
        let storage: RecordedResult.Storage = journal.append(result, stoppedByRun: stoppedByRun)
            .map { .journal(offset: $0.offset, length: $0.length) } ?? .memory(result)
        recorded.append(RecordedResult(result, storage: storage))
        progress(result)
        return result
    }

    /// The light records of every result, in report order: by check, then by `mailboxOrder`.
    func sortedRecords(mailboxOrder: [String]) -> [RecordedResult] {
        var position: [String: Int] = [:]
        for (i, m) in mailboxOrder.enumerated() where position[m] == nil { position[m] = i }
        func mailboxIndex(_ m: String?) -> Int { m.flatMap { position[$0] } ?? -1 }
        return recorded.sorted {
            (CheckRegistry.order(of: $0.id), mailboxIndex($0.mailbox)) < (CheckRegistry.order(of: $1.id), mailboxIndex($1.mailbox))
        }
    }

    /// Every result, read back, in report order (tests; the reports read them one at a time).
    func sortedResults(mailboxOrder: [String]) -> [CheckResult] {
        sortedRecords(mailboxOrder: mailboxOrder).compactMap { RunRecord.result($0, journal: journal) }
    }

    /// Every exchange, read back, in id order (tests; the reports and the schema audit read them one at a time).
    var evidence: [HTTPExchange] {
        var all: [HTTPExchange] = []
        spool.forEach { all.append($0) }
        return all
    }
}
