@testable import Conformance
import Foundation
@testable import Reports
import Testing

/// Every report says which check catalogue judged the run; a diff across catalogues says so.
@Suite("Catalogue stamp in reports")
struct CatalogStampTests {
    static func stamped(_ version: String, _ fingerprint: String) -> RunReport {
        var report = SampleReport.make()
        report.catalog = RunReport.Catalog(version: version, fingerprint: fingerprint, checks: 31)
        return report
    }

    @Test func everyWriterNamesTheCatalogue() throws {
        let report = Self.stamped("2026.12.1", "00112233aabbccdd")
        #expect(MarkdownSummaryWriter.render(report).contains("2026.12.1 (fingerprint `00112233aabbccdd`"))
        #expect(JUnitReportWriter.render(report).contains("2026.12.1 00112233aabbccdd"))
        #expect(HTMLReportWriter.render(report).contains("00112233aabbccdd"))
        let json = String(decoding: try JSONReportWriter.encode(report), as: UTF8.self)
        #expect(json.contains("\"fingerprint\" : \"00112233aabbccdd\"") || json.contains("\"fingerprint\":\"00112233aabbccdd\""))
    }

    @Test func aDiffAcrossCataloguesSaysSo() {
        let same = ReportDiff(Self.stamped("2026.12.1", "00112233aabbccdd"), Self.stamped("2026.12.1", "00112233aabbccdd"))
        #expect(same.catalogChange == nil)
        let other = ReportDiff(Self.stamped("2026.12.1", "00112233aabbccdd"), Self.stamped("2027.01.1", "ffeeddccbbaa9988"))
        #expect(other.text.hasPrefix("NOTE: judged by different check catalogues: 2026.12.1 (00112233aabbccdd) before, 2027.01.1 (ffeeddccbbaa9988) after"))
    }
}

@Suite("Verdict line of narrowed and recommended-failure runs")
struct VerdictLineTests {
    @Test func aNarrowedRunSaysItIsPartial() {
        var report = SampleReport.make([SampleReport.result(CheckCatalog.endpointReachable, .passed)])
        report.exitCode = 0
        report.selection = RunReport.Selection(only: [], skip: [], readOnly: true, failFast: false,
                                               deselected: ["voicemail.deliver": "--read-only: it changes a mailbox"])
        #expect(ConsoleReport.verdict(report, style: .plain) == "verdict: CONFORMS (1 passed; partial run: 1 checks left out by --read-only)")
    }

    @Test func recommendedFailuresAreCountedApart() {
        var failed = SampleReport.result(CheckCatalog.discoveryAgree, .failed)
        failed.level = .recommended
        var report = SampleReport.make([SampleReport.result(CheckCatalog.endpointReachable, .passed), failed])
        report.exitCode = Int(ExitStatus.of(report.summary, interrupted: false))
        #expect(report.exitCode == 0)
        #expect(ConsoleReport.verdict(report, style: .plain) == "verdict: CONFORMS (1 passed, 1 not-required check failed (recommended or informational))")
    }
}
