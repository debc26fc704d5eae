@testable import Conformance
import EWSExecutor
import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Reports
import Testing

/// A run's results and evidence go to its journal and evidence spool as each check finishes, and
/// the reports are assembled from them one result and one exchange at a time, to the same bytes
/// as from a report in memory.
@Suite("Reports from the spool")
struct ReportSpoolTests {
    /// A run of the simulator with its journal and evidence spool in `folder`; `progress` sees each
    /// result as it is recorded.
    private func spooledRun(_ simulator: Simulator, in folder: String, quirks: Bool = false,
                            progress: @escaping @Sendable (CheckResult) -> Void = { _ in }) async throws -> RunRecord {
        let target = TargetConfiguration.simulated(simulator, negativeControls: false)
        var warnings: [String] = []
        let credentials = try target.credentials(environment: [passwordVariable: simulator.serviceAccountPassword], warnings: &warnings)
        var options = RunOptions(runID: "spooled", knownDeviations: quirks ? [CheckCatalog.serverVersion: "strips SOAP headers"] : [:])
        options.journalPath = folder + "/results.jsonl"
        options.evidencePath = folder + "/evidence.jsonl"
        return await SuiteRunner(target: target, credentials: credentials, options: options, warnings: warnings).record(progress: progress)
    }

    /// The exchange ids on the lines of a spool file as it is now.
    private static func spooledIDs(_ path: String) -> Set<Int> {
        guard let data = FileManager.default.contents(atPath: path) else { return [] }
        return Set(data.split(separator: UInt8(ascii: "\n")).compactMap { EvidenceSpool.leadingID(Data($0)) })
    }

    @Test("each result's exchanges and the result itself are on disk when the check finishes, before the run ends")
    func evidenceReachesTheSpoolAsChecksFinish() async throws {
        let folder = try TestPaths.temporaryDirectory("spool")
        let observed = Locked<[(name: String, cited: Set<Int>, spooled: Set<Int>, journalled: Bool)]>([])
        try await LiveSimulator.with { simulator in
            _ = try await spooledRun(simulator, in: folder) { result in
                let journal = (try? String(contentsOfFile: folder + "/results.jsonl", encoding: .utf8)) ?? ""
                let line = journal.split(separator: "\n").last.map(String.init) ?? ""
                let journalled = line.contains("\"id\":\"\(result.id.rawValue)\"") && line.contains("\"message\":")
                observed.locked { $0.append((result.displayName, Set(result.evidence), Self.spooledIDs(folder + "/evidence.jsonl"), journalled)) }
            }
        }
        let seen = observed.value
        #expect(seen.count > 20, "the run recorded results")
        #expect(seen.contains { !$0.cited.isEmpty })
        for s in seen {
            #expect(s.cited.isSubset(of: s.spooled), "\(s.name): exchanges \(s.cited.subtracting(s.spooled).sorted()) were not in evidence.jsonl when it finished")
            #expect(s.journalled, "\(s.name) was not the journal's last line when it finished")
        }
        // The spool holds each exchange once, and like the ledger only its owner may read it.
        let lines = try #require(FileManager.default.contents(atPath: folder + "/evidence.jsonl")).split(separator: UInt8(ascii: "\n"))
        #expect(Set(lines.compactMap { EvidenceSpool.leadingID(Data($0)) }).count == lines.count)
        for file in ["evidence.jsonl", "results.jsonl"] {
            let mode = try FileManager.default.attributesOfItem(atPath: folder + "/" + file)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) has mode \(String(mode ?? 0, radix: 8))")
        }
    }

    @Test("every report format assembled from the spool equals the one from the report in memory, under each evidence policy")
    func spoolEqualsMemory() async throws {
        let folder = try TestPaths.temporaryDirectory("spool")
        try await LiveSimulator.with(quirks: [.corruptAttachmentContent, .noServerVersionInfo]) { simulator in
            let record = try await spooledRun(simulator, in: folder, quirks: true)
            let memory = record.materialized()
            #expect(memory.summary.failed > 0 && memory.summary.passed > 0 && memory.summary.expectedFailures > 0, "a mixed run: \(memory.summary)")
            #expect(memory.results.count == record.results.count && memory.evidence.count == record.evidence.count)
            for policy in [EvidencePolicy(), EvidencePolicy(scope: .all), EvidencePolicy(scope: .none, keepPersonalData: true)] {
                let name = "\(policy.scope.rawValue)-\(policy.keepPersonalData)"
                let fromSpool = try ReportStore(root: folder + "/spool-\(name)").write(policy.apply(to: ReportSource(record)))
                let inMemory = policy.apply(to: memory)
                let fromMemory = try ReportStore(root: folder + "/memory-\(name)").write(inMemory)
                for (a, b) in [(fromSpool.json, fromMemory.json), (fromSpool.junit, fromMemory.junit), (fromSpool.markdown, fromMemory.markdown),
                               (fromSpool.html, fromMemory.html), (fromSpool.ctrf, fromMemory.ctrf)] {
                    let left = try Self.withoutReportID(String(contentsOfFile: a, encoding: .utf8))
                    let right = try Self.withoutReportID(String(contentsOfFile: b, encoding: .utf8))
                    #expect(left == right, "\(name): \(a) differs from \(b)")
                }
                // What ReportStore writes (report.html with each exchange rendered during the
                // report.json pass) is what each writer renders on its own from the report in memory.
                #expect(try String(contentsOfFile: fromSpool.html, encoding: .utf8) == HTMLReportWriter.render(inMemory), "\(name)")
                #expect(try String(contentsOfFile: fromSpool.junit, encoding: .utf8) == JUnitReportWriter.render(inMemory), "\(name)")
                #expect(try String(contentsOfFile: fromSpool.markdown, encoding: .utf8) == MarkdownSummaryWriter.render(inMemory), "\(name)")
                // And report.json is, byte for byte, one JSONEncoder pass over the whole report.
                #expect(try Data(contentsOf: URL(fileURLWithPath: fromSpool.json)) == Self.wholeReportJSON(inMemory), "\(name)")
                if policy.scope != .none {
                    #expect(!inMemory.evidence.isEmpty, "\(name) keeps evidence")
                }
            }
        }
    }

    @Test("a spool left by a killed run is read back: whole lines indexed, a torn last line left out")
    func tornSpoolIsReadBack() throws {
        let folder = try TestPaths.temporaryDirectory("spool")
        let path = folder + "/evidence.jsonl"
        let spool = EvidenceSpool(path: path)
        func exchange(_ id: Int) -> HTTPExchange {
            HTTPExchange(id: id, started: Date(timeIntervalSinceReferenceDate: 817_000_000.123_456_7), method: "POST",
                         url: "https://mail.example/EWS/Exchange.asmx", requestBody: "<a \"id\":\(id + 100)>", legs: [],
                         responseBody: "{\"id\":999}", durationMilliseconds: 1.5, remoteAddress: nil, newConnections: 0,
                         error: id == 2 ? ",\"id\":77" : nil)
        }
        for id in [3, 1, 2] { #expect(spool.append(exchange(id))) }
        #expect(!spool.append(exchange(1)), "an id is spooled once")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"durationMilliseconds\":2,\"id\":4,\"legs\":[".utf8))
        try handle.close()

        let reopened = try #require(EvidenceSpool.open(path: path))
        #expect(reopened.ids == [1, 2, 3])
        for id in [1, 2, 3] { #expect(reopened.exchange(id) == exchange(id), "exchange \(id) reads back equal, dates included") }
        #expect(reopened.exchange(4) == nil)
        #expect(EvidenceSpool.open(path: folder + "/absent.jsonl") == nil)
    }

    /// ctrf.json names each writing with a new random id.
    private static func withoutReportID(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("\"reportId\" : ") }.joined(separator: "\n")
    }

    /// report.json as it was written before it was streamed: one JSONEncoder pass over the whole report.
    private static func wholeReportJSON(_ report: RunReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .custom { date, encoder in
            let f = ISO8601DateFormatter()
            f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            var c = encoder.singleValueContainer()
            try c.encode(f.string(from: date))
        }
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(report)
    }
}
