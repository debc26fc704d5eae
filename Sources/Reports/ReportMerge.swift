import Conformance
import EWSTransport
import Foundation

/// Joins the reports of the shards of one certification into one run: per-mailbox results from every
/// shard, run-wide checks once (from the first shard that has them, with any shard that disagrees
/// named), evidence renumbered so ids stay unique, counts, cleanup and verdict recomputed.
package enum ReportMerge {
    /// Why shards could not be merged.
    package struct Problem: Error, CustomStringConvertible, Sendable {
        package var description: String
    }

    /// Merges `reports` (at least one) into a run called `runID`.
    package static func merge(_ reports: [RunReport], into runID: String) throws(Problem) -> RunReport {
        guard var merged = reports.first else { throw Problem(description: "nothing to merge") }
        let ids = reports.map(\.runID)
        if Set(ids).count != ids.count {
            let dup = Dictionary(grouping: ids, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
            throw Problem(description: "the same shard was given twice: \(dup.joined(separator: ", "))")
        }
        let urls = Set(reports.map(\.target.ewsURL))
        guard urls.count == 1 else {
            throw Problem(description: "these runs are not shards of one certification: they tested \(urls.sorted().joined(separator: " and "))")
        }
        var seenMailboxResult: [String: String] = [:]
        var runWide: [String: CheckResult] = [:]
        var results: [CheckResult] = []
        var evidence: [HTTPExchange] = []
        var warnings: [String] = []
        var offset = 0
        var couldNotTest: RootCause?
        for report in reports {
            let maxID = report.evidence.map(\.id).max() ?? 0
            // A shard that could not test makes the merged run one that could not test.
            if couldNotTest == nil, var cause = report.couldNotTest {
                cause.evidence = cause.evidence.map { $0 + offset }
                couldNotTest = cause
            }
            for var r in report.results {
                r.evidence = r.evidence.map { $0 + offset }
                if let mailbox = r.mailbox {
                    let key = r.displayName
                    if let other = seenMailboxResult[key] {
                        throw Problem(description: "\(key) is in both \(other) and \(report.runID): the shards overlap (mailbox \(mailbox) was certified twice)")
                    }
                    seenMailboxResult[key] = report.runID
                    results.append(r)
                } else if let first = runWide[r.id.rawValue] {
                    if first.outcome != r.outcome {
                        warnings.append("\(r.id) was \(first.outcome.label) in one shard and \(r.outcome.label) in \(report.runID); the merged run keeps the worse")
                        if ReportDiff.isBad(r.outcome) && !ReportDiff.isBad(first.outcome) {
                            runWide[r.id.rawValue] = r
                            results.removeAll { $0.id == r.id && $0.mailbox == nil }
                            results.append(r)
                        }
                    }
                } else {
                    runWide[r.id.rawValue] = r
                    results.append(r)
                }
            }
            evidence += report.evidence.map { var x = $0; x.id += offset; return x }
            warnings += report.warnings.map { "[\(report.runID)] \($0)" }
            offset += maxID
        }
        // Keep only the evidence some kept result cites.
        let cited = Set(results.flatMap(\.evidence))
        evidence = evidence.filter { cited.contains($0.id) }
        var order: [String: Int] = [:]
        for (i, r) in reports.flatMap(\.results).enumerated() where order[r.id.rawValue] == nil { order[r.id.rawValue] = i }
        let mailboxes = reports.flatMap(\.target.mailboxes).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        results.sort { (order[$0.id.rawValue] ?? 0, mailboxes.firstIndex(of: $0.mailbox ?? "") ?? -1)
            < (order[$1.id.rawValue] ?? 0, mailboxes.firstIndex(of: $1.mailbox ?? "") ?? -1) }
        merged.runID = runID
        merged.startedAt = reports.map(\.startedAt).min() ?? merged.startedAt
        merged.finishedAt = reports.map(\.finishedAt).max() ?? merged.finishedAt
        merged.target.mailboxes = mailboxes
        merged.results = results
        merged.evidence = evidence
        merged.warnings = warnings + ["merged from \(reports.count) runs: \(ids.joined(separator: ", "))"]
        merged.summary = RunReport.Summary(results: results)
        merged.interrupted = reports.contains(where: \.interrupted)
        merged.cleanup.created = reports.reduce(0) { $0 + $1.cleanup.created }
        merged.cleanup.removed = reports.reduce(0) { $0 + $1.cleanup.removed }
        merged.cleanup.leftover = reports.flatMap(\.cleanup.leftover)
        merged.couldNotTest = couldNotTest
        merged.exitCode = Int(ExitStatus.of(merged.summary, interrupted: merged.interrupted, couldNotTest: couldNotTest != nil))
        return merged
    }
}
