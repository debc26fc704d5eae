@testable import Conformance
import EWSProtocol
import EWSSimulator
import EWSTestSupport
import Foundation
import Reports
import Testing

/// The reports of a real run: written with the Reports module from what SuiteRunner produced.
@Suite("Reports of a real run")
struct RealRunReportTests {
    /// A run with passes, a failure, skips and an expected failure: the corrupted-attachment and
    /// missing-version quirks, a known deviation for the version, and no negative controls.
    private func mixedRun(_ simulator: Simulator) async throws -> RunReport {
        try await runSuite(.simulated(simulator, negativeControls: false), password: simulator.serviceAccountPassword,
                           deviations: [CheckCatalog.serverVersion: "strips SOAP headers"])
    }

    @Test("the JUnit XML of a real run is valid against junit-10.xsd and counts what the summary counts")
    func junitOfRealRun() async throws {
        let schema = try TestPaths.junitSchema()
        try await LiveSimulator.with(quirks: [.corruptAttachmentContent, .noServerVersionInfo]) { simulator in
            let report = try await mixedRun(simulator)
            let s = report.summary
            #expect(s.passed > 0 && s.failed > 0 && s.skipped > 0 && s.expectedFailures > 0, "the run is not mixed: \(s)")

            let xml = JUnitReportWriter.render(report)
            let tree = try XMLTree(parsing: Array(xml.utf8))
            let root = try #require(tree.root)
            let violations = try SchemaValidator(schemaFile: schema).validate(root)
            #expect(violations.isEmpty, "\(violations)")

            // One testsuite per area, in report order; the root counts what the summary counts.
            let suites = root.children("testsuite")
            #expect(suites.count > 1, "one testsuite per area")
            let cases = suites.flatMap { $0.children("testcase") }
            #expect(cases.count == report.results.count)
            for suite in suites {
                let own = suite.children("testcase")
                // Each area's cases, in report order.
                #expect(own.map { $0.attribute("name") }
                        == report.results.filter { $0.id.area == suite.attribute("name") }.map(\.displayName))
                #expect(suite.attribute("tests") == String(own.count))
                #expect(own.allSatisfy { $0.attribute("classname") == suite.attribute("name") })
            }
            #expect(root.attribute("tests") == String(s.total))
            #expect(root.attribute("failures") == String(s.failed + s.unexpectedPasses))
            #expect(root.attribute("errors") == String(s.errored))
            // junit-10.xsd has no `skipped` on the root: the suites carry it.
            #expect(root.attribute("skipped") == nil)
            #expect(suites.compactMap { Int($0.attribute("skipped") ?? "") }.reduce(0, +) == s.skipped + s.expectedFailures)
            #expect(cases.filter { $0.child("failure") != nil }.count == s.failed + s.unexpectedPasses)
            #expect(cases.filter { $0.child("skipped") != nil }.count == s.skipped + s.expectedFailures)
        }
    }

    @Test("report.json of a real run has snake_case keys and round-trips")
    func jsonOfRealRun() async throws {
        try await LiveSimulator.with(quirks: [.corruptAttachmentContent, .noServerVersionInfo]) { simulator in
            let report = try await mixedRun(simulator)
            let data = try JSONReportWriter.encode(report)
            let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
            #expect(object["run_id"] as? String == report.runID)
            #expect(object["exit_code"] as? Int == report.exitCode)
            #expect((object["target"] as? [String: Any])?["ews_url"] as? String == report.target.ewsURL)
            #expect(((object["evidence"] as? [[String: Any]])?.first?["duration_milliseconds"]) is Double)

            do {
                let decoded = try JSONReportWriter.decode(data)
                #expect(decoded.summary == report.summary)
                #expect(decoded.results == report.results)
                // Times are kept to the millisecond; everything else exactly.
                #expect(decoded.evidence.count == report.evidence.count)
                for (d, o) in zip(decoded.evidence, report.evidence) {
                    #expect(abs(d.started.timeIntervalSince(o.started)) < 0.001)
                    var same = d
                    same.started = o.started
                    #expect(same == o)
                }
            }
        }
    }
}
