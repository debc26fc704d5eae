import Conformance
import EWSExecutor
import EWSTransport
import Foundation
import Synchronization

/// What the report writers read: the report's head (everything but the results and the
/// evidence), a light record of each result in report order, the ids of the exchanges, and the
/// whole results and exchanges one at a time. From a run (``init(_:)-RunRecord``) they are read back
/// from the journal and the evidence spool as each is written, so a report is assembled without
/// the run's results and evidence ever being in memory together; from a report already in memory
/// (``init(_:)-RunReport``: `report render`, merges, tests) the same writers give the same bytes.
package struct ReportSource: Sendable {
    /// The report without `results` and `evidence`; its summary counts the results.
    package var header: RunReport
    /// Every result, light, in report order.
    package var results: [RecordedResult]
    /// The exchanges, in the order the report lists them.
    package var exchangeIDs: [Int]
    /// Whether the evidence policy was applied here, so the count of masked values is known
    /// only once every exchange has been read (report.json stamps it after its evidence).
    package var countsMaskedValues = false
    private var loadResult: @Sendable (RecordedResult) -> CheckResult?
    private let loadExchange: @Sendable (Int) -> Exchange?

    /// An exchange as a writer gets it, with the number of values the evidence policy masked in it.
    package struct Exchange: Sendable {
        /// The exchange.
        package var exchange: HTTPExchange
        /// Values masked in it as other people's data.
        package var masked: Int
    }

    /// The reports of a run, read back from its journal and evidence spool.
    package init(_ record: RunRecord) {
        header = record.header
        results = record.results
        exchangeIDs = record.evidence.ids
        let journal = record
        loadResult = { journal.result($0) }
        let spool = record.evidence
        loadExchange = { id in spool.exchange(id).map { Exchange(exchange: $0, masked: 0) } }
    }

    /// A report already in memory.
    package init(_ report: RunReport) {
        var header = report
        header.results = []
        header.evidence = []
        self.header = header
        results = report.results.map { RecordedResult($0, storage: .memory($0)) }
        exchangeIDs = report.evidence.map(\.id)
        let byID = Dictionary(report.evidence.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        loadResult = { record in
            if case .memory(let result) = record.storage { return result }
            return nil
        }
        loadExchange = { byID[$0].map { Exchange(exchange: $0, masked: 0) } }
    }

    /// A source with other results and exchanges behind the same head.
    package init(header: RunReport, results: [RecordedResult], exchangeIDs: [Int], countsMaskedValues: Bool,
                 result: @escaping @Sendable (RecordedResult) -> CheckResult?, exchange: @escaping @Sendable (Int) -> Exchange?) {
        self.header = header
        self.results = results
        self.exchangeIDs = exchangeIDs
        self.countsMaskedValues = countsMaskedValues
        loadResult = result
        loadExchange = exchange
    }

    /// The whole result a light record stands for.
    package func result(_ record: RecordedResult) -> CheckResult? { loadResult(record) }

    /// This source with the first `limit` results read back from the journal kept once read, so
    /// the writers' passes over the results (one per format, one for the HTML matrix) decode each
    /// of them once. Memory stays bounded whatever the run's size: past `limit`, results are read
    /// back on every pass as before.
    package func keepingResults(upTo limit: Int) -> ReportSource {
        let kept = Mutex<[Int: CheckResult]>([:])
        let load = loadResult
        var copy = self
        copy.loadResult = { record in
            guard case .journal(let offset, _) = record.storage else { return load(record) }
            if let result = kept.locked({ $0[offset] }) { return result }
            guard let result = load(record) else { return nil }
            kept.locked { if $0.count < limit { $0[offset] = result } }
            return result
        }
        return copy
    }

    /// The exchange with this id, as the writers show it (evidence policy applied, when one was).
    package func exchange(_ id: Int) -> HTTPExchange? { loadExchange(id)?.exchange }

    /// The exchange with this id and how many values were masked in it.
    package func exchangeCountingMasks(_ id: Int) -> Exchange? { loadExchange(id) }

    /// The whole report in memory (the evidence policy's stamp completed).
    package func materialized() -> RunReport {
        var report = header
        report.results = results.compactMap(result)
        var masked = 0
        report.evidence = exchangeIDs.compactMap { id in
            guard let x = loadExchange(id) else { return nil }
            masked += x.masked
            return x.exchange
        }
        if countsMaskedValues { report.evidencePolicy?.valuesMasked = masked }
        return report
    }

    /// Positions in ``results`` grouped by area, areas in the order they first appear (JUnit
    /// suites, HTML sections).
    package var areas: [(area: String, positions: [Int])] {
        var order: [String] = []
        var groups: [String: [Int]] = [:]
        var areaOf: [CheckID: String] = [:]
        for (i, r) in results.enumerated() {
            let area: String
            if let known = areaOf[r.id] { area = known } else { area = r.id.area; areaOf[r.id] = area }
            if groups[area] == nil { order.append(area) }
            groups[area, default: []].append(i)
        }
        return order.map { ($0, groups[$0] ?? []) }
    }
}
