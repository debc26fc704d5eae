@testable import Conformance
import EWSExecutor
import EWSProtocol
import EWSTestSupport
import Foundation
@testable import Reports
import Synchronization
import Testing

private func runID(in jsonFile: String) throws -> String? {
    let data = try Data(contentsOf: URL(fileURLWithPath: jsonFile))
    return (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["run_id"] as? String
}

@Suite("ReportStore")
struct ReportStoreTests {
    @Test("write puts report.json and junit.xml in <root>/<run-id>/ and says where")
    func writesBothFiles() throws {
        let root = try TestPaths.temporaryDirectory("store")
        let report = SampleReport.make(runID: "20261126T170530Z-aaaa")
        let written = try ReportStore(root: root).write(report)

        #expect(written.directory == root + "/20261126T170530Z-aaaa")
        #expect(written.json == written.directory + "/report.json")
        #expect(written.junit == written.directory + "/junit.xml")
        #expect(try runID(in: written.json) == report.runID)
        #expect(try Data(contentsOf: URL(fileURLWithPath: written.json)) == JSONReportWriter.encode(report))
        let junit = try String(contentsOfFile: written.junit, encoding: .utf8)
        #expect(junit == JUnitReportWriter.render(report))
        _ = try XMLTree(parsing: Array(junit.utf8))
    }

    @Test("latest points at the run written last, and no temporary link is left behind")
    func latestFollowsNewest() throws {
        let root = try TestPaths.temporaryDirectory("store")
        let store = ReportStore(root: root)
        let older = SampleReport.make(runID: "20261126T170530Z-0001")
        let newer = SampleReport.make(runID: "20261126T170612Z-0002", started: SampleReport.started.addingTimeInterval(42))
        _ = try store.write(older)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/latest") == older.runID)
        _ = try store.write(newer)

        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/latest") == newer.runID)
        #expect(try runID(in: root + "/latest/report.json") == newer.runID)
        #expect(try runID(in: root + "/\(older.runID)/report.json") == older.runID, "the older run's reports are kept")
        let entries = try FileManager.default.contentsOfDirectory(atPath: root).sorted()
        #expect(entries == [older.runID, newer.runID, "latest"].sorted())
    }

    @Test("writing under a root that cannot be created throws instead of crashing")
    func unwritableRootThrows() throws {
        // A regular file where a folder must go: refused even for root, unlike a chmod.
        let dir = try TestPaths.temporaryDirectory("store")
        let blocker = dir + "/not-a-folder"
        try Data("x".utf8).write(to: URL(fileURLWithPath: blocker))
        let store = ReportStore(root: blocker + "/reports")
        #expect(throws: (any Error).self) {
            try store.write(SampleReport.make())
        }
        #expect(!FileManager.default.fileExists(atPath: blocker + "/reports"))
    }

    @Test("a real folder named latest is not replaced: write throws and leaves no temporary link")
    func latestFolderInTheWay() throws {
        let root = try TestPaths.temporaryDirectory("store")
        try FileManager.default.createDirectory(atPath: root + "/latest/keep", withIntermediateDirectories: true)
        #expect(throws: (any Error).self) {
            try ReportStore(root: root).write(SampleReport.make(runID: "run-x"))
        }
        #expect(FileManager.default.fileExists(atPath: root + "/latest/keep"))
        let entries = try FileManager.default.contentsOfDirectory(atPath: root)
        #expect(!entries.contains { $0.hasPrefix(".latest-") }, "left behind: \(entries)")
    }
}

/// How often each journal offset was read.
final class JournalReads: Sendable {
    let counts = Mutex<[Int: Int]>([:])
}

@Suite("The writers' passes over a journalled run")
struct KeptResultsTests {
    /// A source whose results all come "from the journal", counting each read.
    func journalled(_ results: [CheckResult], reads: JournalReads) -> ReportSource {
        let report = SampleReport.make(results)
        var header = report
        header.results = []
        let records = results.enumerated().map { RecordedResult($1, storage: .journal(offset: $0 * 100, length: 100)) }
        header.evidence = []
        let exchanges = Dictionary(report.evidence.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        return ReportSource(header: header, results: records, exchangeIDs: report.evidence.map(\.id), countsMaskedValues: false,
                            result: { record in
                                guard case .journal(let offset, _) = record.storage else { return nil }
                                reads.counts.locked { $0[offset, default: 0] += 1 }
                                return results[offset / 100]
                            },
                            exchange: { exchanges[$0].map { ReportSource.Exchange(exchange: $0, masked: 0) } })
    }

    @Test("up to the limit each result is read back once for every pass, past it on every pass; the results are the same")
    func keptOnce() {
        let reads = JournalReads()
        let source = journalled(SampleReport.oneOfEach, reads: reads).keepingResults(upTo: 3)
        for _ in 0..<4 {
            #expect(source.results.compactMap(source.result) == SampleReport.oneOfEach)
        }
        let counts = reads.counts.locked { $0 }
        let offsets = (0..<SampleReport.oneOfEach.count).map { $0 * 100 }
        #expect(offsets.prefix(3).allSatisfy { counts[$0] == 1 }, "\(counts)")
        #expect(offsets.dropFirst(3).allSatisfy { counts[$0] == 4 }, "\(counts)")
    }

    @Test("every format written from a journalled source is the same as from the report in memory")
    func sameFiles() throws {
        let folder = FileManager.default.temporaryDirectory.path + "/kept-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let reads = JournalReads()
        let fromJournal = try ReportStore(root: folder + "/a").write(journalled(SampleReport.oneOfEach, reads: reads))
        let fromMemory = try ReportStore(root: folder + "/b").write(SampleReport.make(SampleReport.oneOfEach))
        #expect(reads.counts.locked { $0.values.allSatisfy { $0 == 1 } }, "each result read back once for all five formats")
        for (a, b) in [(fromJournal.json, fromMemory.json), (fromJournal.junit, fromMemory.junit),
                       (fromJournal.markdown, fromMemory.markdown), (fromJournal.html, fromMemory.html)] {
            #expect(FileManager.default.contents(atPath: a) == FileManager.default.contents(atPath: b), "\(a)")
        }
    }
}
