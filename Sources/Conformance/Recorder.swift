import EWSProtocol
import EWSTransport
import Foundation

/// Collects results and evidence; applies known deviations (strictly, by signature). Evidence is
/// kept by exchange id and never overwritten: a second, different exchange under a cited id is a
/// harness defect, named in the report's warnings.
actor Recorder {
    private var results: [CheckResult] = []
    /// Where the latest result of each check (and mailbox) is in `results`: dependencies are looked
    /// up for every check of every mailbox, so by key, not by scanning.
    private var latest: [ResultKey: Int] = [:]
    private struct ResultKey: Hashable {
        var id: CheckID
        var mailbox: String?
    }
    private var exchanges: [Int: HTTPExchange] = [:]
    private(set) var serverVersion: ServerVersionInfo?
    private(set) var evidenceConflicts: [String] = []
    private let deviations: [CheckID: DeviationRule]
    private let progress: @Sendable (CheckResult) -> Void
    /// Where each result goes as it is recorded (nil: kept in memory only).
    let journal: ResultJournal?

    init(deviations: [CheckID: DeviationRule], journal: ResultJournal? = nil, progress: @escaping @Sendable (CheckResult) -> Void) {
        self.deviations = deviations
        self.journal = journal
        self.progress = progress
    }

    /// Keeps an exchange no check cites (the first-contact probe), so the evidence is complete.
    func keep(_ exchange: HTTPExchange) { if exchanges[exchange.id] == nil { exchanges[exchange.id] = exchange } }

    func setServerVersion(_ v: ServerVersionInfo?) { if serverVersion == nil { serverVersion = v } }

    /// The latest result of a check that is not per mailbox.
    func result(of id: CheckID) -> CheckResult? { latest[ResultKey(id: id, mailbox: nil)].map { results[$0] } }

    func outcome(of id: CheckID, mailbox: String?) -> Outcome? {
        latest[ResultKey(id: id, mailbox: mailbox)].map { results[$0].outcome }
    }

    /// The outcomes of a per-mailbox check, one per mailbox it ran for.
    func outcomes(of id: CheckID) -> [Outcome] { results.filter { $0.id == id }.map(\.outcome) }

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
        guard let result = latest[ResultKey(id: id, mailbox: mailbox)].map({ results[$0] }) else { return nil }
        let name = mailbox.map { "\(id)[\($0)]" } ?? id.rawValue
        guard result.outcome == .skipped else { return "\(name) \(Self.phrase(result.outcome))" }
        for dependency in CheckCatalog.definition(id)?.dependsOn ?? [] {
            let depMailbox = CheckCatalog.definition(dependency)?.perMailbox == true ? mailbox : nil
            if let outcome = outcome(of: dependency, mailbox: depMailbox), !outcome.satisfiesDependents {
                // (a conditional dependency that did not run has no outcome and is passed over)
                return rootCause(of: dependency, mailbox: depMailbox)
            }
        }
        return "\(name) was skipped (\(result.message))"
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
        for x in verdict.exchanges {
            if let known = exchanges[x.id] {
                if known != x { evidenceConflicts.append("exchange #\(x.id) was recorded for two different requests (\(known.method) \(known.url) and \(x.method) \(x.url)); the first is kept") }
            } else {
                exchanges[x.id] = x
            }
        }
        let result = CheckResult(id: definition.id, title: definition.title, requirement: definition.requirement,
                                 mailbox: mailbox, outcome: outcome, message: message,
                                 durationMilliseconds: (duration * 1000).rounded() / 1000,
                                 evidence: Array(Set(verdict.exchanges.map(\.id))).sorted(), facts: facts, level: definition.level)
        latest[ResultKey(id: result.id, mailbox: mailbox)] = results.count
        results.append(result)
        journal?.append(result, exchanges: result.evidence.compactMap { exchanges[$0] }, stoppedByRun: stoppedByRun)
        progress(result)
        return result
    }

    func sortedResults(mailboxOrder: [String]) -> [CheckResult] {
        var position: [String: Int] = [:]
        for (i, m) in mailboxOrder.enumerated() where position[m] == nil { position[m] = i }
        func mailboxIndex(_ m: String?) -> Int { m.flatMap { position[$0] } ?? -1 }
        return results.sorted {
            (CheckRegistry.order(of: $0.id), mailboxIndex($0.mailbox)) < (CheckRegistry.order(of: $1.id), mailboxIndex($1.mailbox))
        }
    }

    var evidence: [HTTPExchange] { exchanges.values.sorted { $0.id < $1.id } }
}
