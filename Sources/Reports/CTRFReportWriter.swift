import Conformance
import Foundation

/// Writes `ctrf.json`, the Common Test Report Format (valid against the CTRF JSON schema): one test
/// per check result, with the check id as the stable `testId`, the area as the suite, and the
/// outcome mapped onto CTRF's five statuses (harness errors and expected failures are `other`, with
/// ewscheck's own outcome kept in `extra`).
package enum CTRFReportWriter {
    /// The report as CTRF JSON bytes.
    package static func encode(_ report: RunReport) throws -> Data {
        let out = ReportOutput()
        try write(ReportSource(report), to: out)
        return out.data
    }

    /// Writes the report `source` holds: the document without its tests is serialised once, and
    /// each test on its own, set into it at the depth the whole document would have given it
    /// (the bytes of one `JSONSerialization` pass over the whole document).
    package static func write(_ source: ReportSource, to out: ReportOutput) throws {
        let report = source.header
        let start = milliseconds(report.startedAt)
        let stop = max(start, milliseconds(report.finishedAt))
        var counts = ["passed": 0, "failed": 0, "skipped": 0, "pending": 0, "other": 0]
        var suites: Set<String> = []
        var areaOf: [CheckID: String] = [:]
        for r in source.results {
            counts[status(of: r.outcome), default: 0] += 1
            if areaOf[r.id] == nil { areaOf[r.id] = r.id.area }
            suites.insert(areaOf[r.id] ?? r.id.area)
        }
        var summaryExtra: [String: Any] = ["exit_code": report.exitCode, "interrupted": report.interrupted,
                                           "tls_insecure": report.tls.insecure]
        if let cause = report.couldNotTest {
            summaryExtra["verdict"] = RootCause.verdict
            summaryExtra["root_cause"] = cause.summary
            summaryExtra["not_run"] = cause.notRun.map(\.rawValue)
        }
        if !report.notices.isEmpty { summaryExtra["notices"] = report.notices.map { "\($0.date) \($0.kind): \($0.summary) — \($0.status)" } }
        let document: [String: Any] = [
            "reportFormat": "CTRF", "specVersion": "0.0.0",
            "reportId": UUID().uuidString.lowercased(), "runId": report.runID,
            "timestamp": ISO8601DateFormatter().string(from: report.finishedAt),
            "generatedBy": "\(report.tool.name) \(report.tool.version)",
            "results": [
                "tool": ["name": report.tool.name, "version": report.tool.version],
                "summary": ["tests": source.results.count, "passed": counts["passed"] ?? 0, "failed": counts["failed"] ?? 0,
                            "skipped": counts["skipped"] ?? 0, "pending": 0, "other": counts["other"] ?? 0,
                            "suites": suites.count,
                            "start": start, "stop": stop, "duration": stop - start, "extra": summaryExtra] as [String: Any],
                "tests": [Any](),
                "environment": environment(report),
            ] as [String: Any],
            "extra": ["target": report.target.name, "ews_url": report.target.ewsURL, "warnings": report.warnings] as [String: Any],
        ]
        let head = try JSONSerialization.data(withJSONObject: document, options: options)
        let opening = Data("\n    \"tests\" : [".utf8)
        guard let empty = head.range(of: opening + Data("\n\n    ]".utf8)) else {
            throw EncodingError.invalidValue("tests", .init(codingPath: [], debugDescription: "ctrf.json: no tests array in the serialised document"))
        }
        out.write(bytes: head[..<(empty.lowerBound + opening.count)])
        var written = 0
        for record in source.results {
            guard let r = source.result(record) else { continue }
            out.write(written == 0 ? "\n" : ",\n")
            out.write(json: try JSONSerialization.data(withJSONObject: test(r, source), options: options), indent: 6)
            written += 1
        }
        out.write(written == 0 ? "\n\n    ]" : "\n    ]")
        out.write(bytes: head[empty.upperBound...])
    }

    private static let options: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]

    /// One result as a CTRF test.
    static func test(_ r: CheckResult, _ source: ReportSource) -> [String: Any] {
        let status = status(of: r.outcome)
        var test: [String: Any] = [
            "name": r.displayName, "testId": r.displayName, "status": status,
            "duration": Int(r.durationMilliseconds.rounded()), "suite": ["ewscheck", r.id.area],
            "extra": ["outcome": r.outcome.rawValue, "check_id": r.id.rawValue, "requirement": r.requirement,
                      "facts": r.facts] as [String: Any],
        ]
        if let mailbox = r.mailbox { test["tags"] = ["mailbox:\(mailbox)"] }
        if r.outcome != .passed { test["message"] = r.message }
        if [.failed, .errored, .unexpectedPass].contains(r.outcome), let trace = evidenceTrace(r, source) { test["trace"] = trace }
        return test
    }

    /// CTRF's status for an outcome: a stale known deviation is a failure; a harness error and a
    /// known deviation are `other` (neither a pass nor the provider failing the requirement anew).
    static func status(of outcome: Outcome) -> String {
        switch outcome {
        case .passed: return "passed"
        case .failed, .unexpectedPass: return "failed"
        case .skipped: return "skipped"
        case .errored, .expectedFailure: return "other"
        }
    }

    static func environment(_ report: RunReport) -> [String: Any] {
        var extra: [String: Any] = ["ews_url": report.target.ewsURL, "auth_scheme": report.target.authScheme,
                                    "request_version": report.target.requestVersion, "tls_insecure": report.tls.insecure]
        if let server = report.server { extra["server_build"] = server.build }
        if let proxy = report.target.proxy { extra["proxy"] = proxy }
        if let profile = report.profile { extra["profile"] = "\(profile.id) \(profile.version)" }
        if let c = report.catalog { extra["catalog"] = "\(c.version) \(c.fingerprint)" }
        return ["reportName": "ewscheck \(report.target.name)", "appName": report.target.name, "buildName": report.runID, "extra": extra]
    }

    /// The first exchange a failing result cites, as a short redacted excerpt.
    static func evidenceTrace(_ r: CheckResult, _ source: ReportSource) -> String? {
        guard let id = r.evidence.first, let x = source.exchange(id) else { return nil }
        return EvidenceExcerpt.text(x, bodyLimit: 2000)
    }

    static func milliseconds(_ date: Date) -> Int { Int((date.timeIntervalSince1970 * 1000).rounded()) }
}
