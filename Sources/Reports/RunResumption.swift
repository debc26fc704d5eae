import Conformance
import EWSTransport
import Foundation

/// `ewscheck run --resume RUN`: what an earlier, unfinished run leaves to do. Its results journal
/// (``ResultJournal``) says which mailboxes finished: every per-mailbox check the run planned has a
/// result for the mailbox that the run's stopping did not cause. Those results are carried over with
/// their evidence; the new run certifies the other mailboxes and runs the run-wide checks again;
/// ``merged(into:)`` joins both into one report, in the original mailbox order.
package struct RunResumption: Sendable {
    /// Why a run cannot be resumed (a usage error: nothing was sent).
    package struct Problem: Error, Sendable, CustomStringConvertible {
        /// What is wrong.
        package var description: String
    }

    /// The run resumed.
    package let previousRunID: String
    /// Mailboxes whose results are carried over, in the original order.
    package let finished: [String]
    /// Mailboxes the new run certifies, in the target's order.
    package let remaining: [String]
    /// Notes for the report's warnings and the console.
    package let notes: [String]
    private let contents: ResultJournal.Contents
    /// The earlier run's evidence spool (`evidence.jsonl`; journals of earlier versions carry the
    /// exchanges in their lines instead).
    private let evidencePath: String

    /// Reads `<reportsDirectory>/<runID>/results.jsonl` and decides what is left for a target whose
    /// EWS URL is `ewsURL` and whose mailboxes are `mailboxes`.
    /// - Throws: ``Problem`` when there is no journal, it is unreadable, it tested another endpoint,
    ///   or nothing is left to do.
    package static func prepare(runID: String, reportsDirectory: String, ewsURL: String,
                                mailboxes: [String]) throws(Problem) -> RunResumption {
        let folder = reportsDirectory + "/" + runID
        let contents: ResultJournal.Contents
        do {
            contents = try ResultJournal.read(path: folder + "/results.jsonl")
        } catch {
            throw Problem(description: "cannot resume run \(runID): \(error)")
        }
        let header = contents.header
        guard header.ewsURL == ewsURL else {
            throw Problem(description: "run \(runID) tested \(header.ewsURL), this target is \(ewsURL): resume it with the target it ran against")
        }
        let finishedSet = finishedMailboxes(contents)
        let finished = header.mailboxes.filter { finishedSet.contains($0.lowercased()) }
        let remaining = mailboxes.filter { !finishedSet.contains($0.lowercased()) }
        var notes = ["resumed from run \(runID): \(finished.count) of its \(header.mailboxes.count) mailbox(es) had finished and are carried over; \(remaining.count) certified by this run (run-wide checks ran again)"]
        if header.catalog != CheckRegistry.version {
            notes.append("run \(runID) was judged by check catalogue \(header.catalog), this run by \(CheckRegistry.version): the carried-over results keep their own")
        }
        if contents.tornLastLine {
            notes.append("the last line of run \(runID)'s journal was cut off (the run was killed while writing it); that result is run again")
        }
        let added = mailboxes.filter { m in !header.mailboxes.contains { $0.lowercased() == m.lowercased() } }
        if !added.isEmpty { notes.append("\(added.count) mailbox(es) were not in run \(runID) and are certified now too") }
        if !FileManager.default.fileExists(atPath: folder + "/report.json") {
            notes.append("run \(runID) wrote no report (it was killed): items it created may be left; `ewscheck cleanup --run \(runID)` finds them by their tag")
        }
        guard !remaining.isEmpty else {
            throw Problem(description: "run \(runID) has nothing left to resume: all \(finished.count) of its mailboxes finished (its report, or `ewscheck report show \(runID)`, has the results)")
        }
        return RunResumption(previousRunID: runID, finished: finished, remaining: remaining, notes: notes, contents: contents,
                             evidencePath: folder + "/evidence.jsonl")
    }

    /// Lower-cased addresses of the mailboxes that finished.
    static func finishedMailboxes(_ contents: ResultJournal.Contents) -> Set<String> {
        var done: [String: Set<CheckID>] = [:]
        var stopped: Set<String> = []
        for entry in contents.entries {
            guard let mailbox = entry.result.mailbox?.lowercased() else { continue }
            if entry.stoppedByRun { stopped.insert(mailbox) } else { done[mailbox, default: []].insert(entry.result.id) }
        }
        let needed = Set(contents.header.perMailboxChecks)
        return Set(done.filter { !stopped.contains($0.key) && needed.isSubset(of: $0.value) }.keys)
    }

    /// `report` (the new run's) joined with the carried-over results: one run under the new run's
    /// id, mailboxes and results in the original order, evidence renumbered, the verdict recomputed.
    /// - Throws: ``ReportMerge/Problem`` when the two overlap (a mailbox certified in both).
    package func merged(into report: RunReport) throws(ReportMerge.Problem) -> RunReport {
        try merged(into: ReportSource(report)).materialized()
    }

    /// The new run's reports joined with the carried-over results, as ``ReportMerge`` joins two
    /// shards (the new run first, the carried-over exchanges numbered after its own), without
    /// reading the new run's results or either run's exchanges: they are read back as the reports
    /// are written.
    /// - Throws: ``ReportMerge/Problem`` when the two overlap (a mailbox certified in both).
    package func merged(into source: ReportSource) throws(ReportMerge.Problem) -> ReportSource {
        let report = source.header
        let keep = Set(finished.map { $0.lowercased() })
        let entries = contents.entries.filter { $0.result.mailbox.map { keep.contains($0.lowercased()) } ?? false }
        // The new run's exchanges keep their ids; the carried-over ones follow them.
        let offset = source.exchangeIDs.max() ?? 0
        var seen: [String: String] = [:]
        for r in source.results where r.mailbox != nil { seen[r.displayName] = report.runID }
        var carried: [RecordedResult] = []
        var inline: [Int: HTTPExchange] = [:]
        for entry in entries {
            var r = entry.result
            if let other = seen[r.displayName] {
                throw ReportMerge.Problem(description: "\(r.displayName) is in both \(other) and \(previousRunID): the shards overlap (mailbox \(r.mailbox ?? "") was certified twice)")
            }
            seen[r.displayName] = previousRunID
            r.evidence = r.evidence.map { $0 + offset }
            carried.append(RecordedResult(r, storage: .memory(r)))
            for x in entry.exchanges where inline[x.id] == nil { inline[x.id] = x }
        }
        // The original order: the resumed run's mailboxes first as it listed them, then any new ones.
        var mailboxes: [String] = []
        var position: [String: Int] = [:]
        for m in contents.header.mailboxes + report.target.mailboxes where position[m.lowercased()] == nil {
            position[m.lowercased()] = mailboxes.count
            mailboxes.append(m)
        }
        func index(_ m: String?) -> Int { m.flatMap { position[$0.lowercased()] } ?? -1 }
        let results = (source.results + carried).sorted {
            (CheckRegistry.order(of: $0.id), index($0.mailbox)) < (CheckRegistry.order(of: $1.id), index($1.mailbox))
        }
        // Only the exchanges a result cites (as a merge keeps them).
        var cited: Set<Int> = []
        for r in results { cited.formUnion(r.evidence) }
        let earlier = entries.contains { !$0.exchanges.isEmpty } ? nil : EvidenceSpool.open(path: evidencePath)
        var carriedIDs: Set<Int> = []
        for r in carried { carriedIDs.formUnion(r.evidence) }
        let exchangeIDs = source.exchangeIDs.filter(cited.contains)
            + carriedIDs.filter { inline[$0 - offset] != nil || earlier?.contains($0 - offset) == true }.sorted()
        var header = report
        header.startedAt = min(report.startedAt, contents.header.startedAt)
        header.finishedAt = max(report.finishedAt, contents.header.startedAt)
        header.target.mailboxes = mailboxes
        header.summary = RunReport.Summary(recorded: results)
        header.warnings = notes + report.warnings
        header.exitCode = Int(ExitStatus.of(header.summary, interrupted: header.interrupted, couldNotTest: header.couldNotTest != nil))
        let inlineExchanges = inline
        return ReportSource(
            header: header, results: results, exchangeIDs: exchangeIDs, countsMaskedValues: source.countsMaskedValues,
            result: { source.result($0) },
            exchange: { id in
                guard id > offset else { return source.exchangeCountingMasks(id) }
                guard var x = inlineExchanges[id - offset] ?? earlier?.exchange(id - offset) else { return nil }
                x.id = id
                return ReportSource.Exchange(exchange: x, masked: 0)
            })
    }
}
