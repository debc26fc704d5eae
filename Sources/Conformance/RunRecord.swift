import EWSTransport
import Foundation

/// What a run leaves for its reports: the report's head (everything but the results and the
/// evidence), the light record of every result in report order, and the journal and evidence
/// spool they are read back from, one at a time. The reports are written from this without the
/// run's results and exchanges ever being in memory together.
package struct RunRecord: Sendable {
    /// The report without `results` and `evidence` (its summary already counts the results).
    package var header: RunReport
    /// Every result, light, in report order.
    package var results: [RecordedResult]
    /// Where the results are.
    package let journal: ResultJournal
    /// Where the exchanges are.
    package let evidence: EvidenceSpool

    /// A record of results and exchanges already read (tests; a report from elsewhere).
    package init(header: RunReport, results: [RecordedResult], journal: ResultJournal, evidence: EvidenceSpool) {
        self.header = header
        self.results = results
        self.journal = journal
        self.evidence = evidence
    }

    /// The whole result `record` stands for, read back.
    package func result(_ record: RecordedResult) -> CheckResult? { Self.result(record, journal: journal) }

    /// The whole result `record` stands for, read back from `journal`.
    static func result(_ record: RecordedResult, journal: ResultJournal) -> CheckResult? {
        switch record.storage {
        case .memory(let result): return result
        case .journal(let offset, let length): return journal.entry(at: LineFile.Location(offset: offset, length: length))?.result
        }
    }

    /// The whole report, in memory (tests and small runs; the reports of a run are written from
    /// the record without it).
    package func materialized() -> RunReport {
        var report = header
        report.results = results.compactMap(result)
        var exchanges: [HTTPExchange] = []
        evidence.forEach { exchanges.append($0) }
        report.evidence = exchanges
        return report
    }
}
