@testable import Conformance
@testable import Reports
import Foundation
import Testing

@Suite struct MarkdownSummaryWriterTests {
    @Test func failuresAreListedWithTheirRequirementAndTheVerdictIsFirst() {
        let failed = SampleReport.result(CheckCatalog.serviceAccountAuth, .failed, message: "HTTP 401 | refused\nagain")
        let report = SampleReport.make([SampleReport.result(CheckCatalog.endpointReachable, .passed, message: "ok"), failed])
        let md = MarkdownSummaryWriter.render(report)
        let lines = md.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first?.hasPrefix("# ewscheck: ") == true)
        #expect(lines.first?.contains(report.exitCode == 0 ? "conforms" : "does not conform") == true)
        #expect(md.contains("## What needs attention"))
        #expect(md.contains("HTTP 401 \\| refused again"), "pipes escaped and newlines folded inside table cells")
        #expect(md.contains("_requirement:_ \(failed.requirement)"))
        // One table row per result.
        #expect(lines.filter { $0.hasPrefix("| PASS |") || $0.hasPrefix("| FAIL |") }.count == report.results.count)
    }

    @Test func aCleanRunHasNoAttentionSection() {
        let report = SampleReport.make([SampleReport.result(CheckCatalog.endpointReachable, .passed, message: "ok")])
        #expect(!MarkdownSummaryWriter.render(report).contains("What needs attention"))
    }
}
