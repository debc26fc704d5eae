import Conformance
import Foundation

/// What changed between two runs, check by check (keyed on `id[mailbox]`): for "did the provider's
/// change break us?".
package struct ReportDiff: Sendable {
    /// One check whose outcome changed.
    package struct Change: Sendable, Hashable {
        /// `id[mailbox]`.
        package var name: String
        /// The outcome in the first run.
        package var before: Outcome
        /// The outcome in the second run.
        package var after: Outcome
        /// The second run's message.
        package var message: String
    }

    /// Checks that were fine and are not any more.
    package var regressions: [Change] = []
    /// Checks that were not fine and are now.
    package var fixes: [Change] = []
    /// Other outcome changes (a skip that now runs and passes, an expected failure that is now skipped…).
    package var otherChanges: [Change] = []
    /// Checks only the second run has.
    package var added: [String] = []
    /// Checks only the first run has.
    package var removed: [String] = []
    /// Set when the two runs were judged by different check catalogues (version or fingerprint),
    /// naming both: outcome changes may then come from the rules, not the provider.
    package var catalogChange: String?

    /// Compares `a` (before) with `b` (after).
    package init(_ a: RunReport, _ b: RunReport) {
        let before = Dictionary(a.results.map { ($0.displayName, $0) }, uniquingKeysWith: { x, _ in x })
        let after = Dictionary(b.results.map { ($0.displayName, $0) }, uniquingKeysWith: { x, _ in x })
        for r in b.results {
            guard let old = before[r.displayName] else { added.append(r.displayName); continue }
            guard old.outcome != r.outcome else { continue }
            let change = Change(name: r.displayName, before: old.outcome, after: r.outcome, message: r.message)
            if Self.isBad(r.outcome) && !Self.isBad(old.outcome) { regressions.append(change) }
            else if !Self.isBad(r.outcome) && Self.isBad(old.outcome) { fixes.append(change) }
            else { otherChanges.append(change) }
        }
        removed = a.results.map(\.displayName).filter { after[$0] == nil }
        if a.catalog != b.catalog {
            func name(_ c: RunReport.Catalog?) -> String { c.map { "\($0.version) (\($0.fingerprint))" } ?? "unknown (written before catalogues were stamped)" }
            catalogChange = "judged by different check catalogues: \(name(a.catalog)) before, \(name(b.catalog)) after"
        }
    }

    /// Outcomes that make a run fail or leave it undecided.
    static func isBad(_ o: Outcome) -> Bool { o == .failed || o == .errored || o == .unexpectedPass }

    /// The diff for a terminal or a CI log.
    package var text: String {
        var lines: [String] = catalogChange.map { ["NOTE: \($0)"] } ?? []
        func list(_ title: String, _ changes: [Change]) {
            guard !changes.isEmpty else { return }
            lines.append("\(title) (\(changes.count)):")
            lines += changes.map { "  \($0.name): \($0.before.label) → \($0.after.label) — \($0.message)" }
        }
        list("REGRESSIONS", regressions)
        list("fixed", fixes)
        list("other changes", otherChanges)
        if !added.isEmpty { lines.append("new checks (\(added.count)):"); lines += added.map { "  \($0)" } }
        if !removed.isEmpty { lines.append("removed checks (\(removed.count)):"); lines += removed.map { "  \($0)" } }
        lines.append("\(regressions.count) regressions, \(fixes.count) fixes, \(otherChanges.count) other changes, \(added.count) new, \(removed.count) removed")
        return lines.joined(separator: "\n")
    }
}
