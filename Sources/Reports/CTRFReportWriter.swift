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

    /// Writes the report `source` holds: the document without its tests is laid out once, and
    /// each test on its own, set into it at the depth the whole document would have given it
    /// (``JSONValue``'s pretty layout, the same bytes as one pass over the whole document).
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
        var summaryExtra: [String: JSONValue] = ["exit_code": .int(Int(report.exitCode)), "interrupted": .bool(report.interrupted),
                                                 "tls_insecure": .bool(report.tls.insecure)]
        if let cause = report.couldNotTest {
            summaryExtra["verdict"] = .string(RootCause.verdict)
            summaryExtra["root_cause"] = .string(cause.summary)
            summaryExtra["not_run"] = .array(cause.notRun.map { .string($0.rawValue) })
        }
        if !report.notices.isEmpty { summaryExtra["notices"] = .array(report.notices.map { .string("\($0.date) \($0.kind): \($0.summary) — \($0.status)") }) }
        let summary: [String: JSONValue] = [
            "tests": .int(source.results.count), "passed": .int(counts["passed"] ?? 0), "failed": .int(counts["failed"] ?? 0),
            "skipped": .int(counts["skipped"] ?? 0), "pending": .int(0), "other": .int(counts["other"] ?? 0),
            "suites": .int(suites.count), "start": .int(start), "stop": .int(stop), "duration": .int(stop - start),
            "extra": .object(summaryExtra),
        ]
        let document: JSONValue = .object([
            "reportFormat": .string("CTRF"), "specVersion": .string("0.0.0"),
            "reportId": .string(UUID().uuidString.lowercased()), "runId": .string(report.runID),
            "timestamp": .string(ISO8601DateFormatter().string(from: report.finishedAt)),
            "generatedBy": .string("\(report.tool.name) \(report.tool.version)"),
            "results": .object([
                "tool": .object(["name": .string(report.tool.name), "version": .string(report.tool.version)]),
                "summary": .object(summary),
                "tests": .array([]),
                "environment": environment(report),
            ]),
            "extra": .object(["target": .string(report.target.name), "ews_url": .string(report.target.ewsURL),
                              "warnings": .array(report.warnings.map { .string($0) })]),
        ])
        let head = document.pretty()
        let opening = Array("\n    \"tests\" : [".utf8)
        guard let empty = head.firstRange(of: opening + Array("\n\n    ]".utf8)) else {
            throw EncodingError.invalidValue("tests", .init(codingPath: [], debugDescription: "ctrf.json: no tests array in the laid-out document"))
        }
        out.write(bytes: head[..<(empty.lowerBound + opening.count)])
        var written = 0
        for record in source.results {
            guard let r = source.result(record) else { continue }
            out.write(written == 0 ? "\n" : ",\n")
            out.write(bytes: test(r, source).pretty(indent: 6))
            written += 1
        }
        out.write(written == 0 ? "\n\n    ]" : "\n    ]")
        out.write(bytes: head[empty.upperBound...])
    }

    /// One result as a CTRF test.
    static func test(_ r: CheckResult, _ source: ReportSource) -> JSONValue {
        let status = status(of: r.outcome)
        var test: [String: JSONValue] = [
            "name": .string(r.displayName), "testId": .string(r.displayName), "status": .string(status),
            "duration": .int(Int(r.durationMilliseconds.rounded())), "suite": .array([.string("ewscheck"), .string(r.id.area)]),
            "extra": .object(["outcome": .string(r.outcome.rawValue), "check_id": .string(r.id.rawValue),
                              "requirement": .string(r.requirement), "facts": .object(r.facts.mapValues { .string($0) })]),
        ]
        if let mailbox = r.mailbox { test["tags"] = .array([.string("mailbox:\(mailbox)")]) }
        if r.outcome != .passed { test["message"] = .string(r.message) }
        if [.failed, .errored, .unexpectedPass].contains(r.outcome), let trace = evidenceTrace(r, source) { test["trace"] = .string(trace) }
        return .object(test)
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

    static func environment(_ report: RunReport) -> JSONValue {
        var extra: [String: JSONValue] = ["ews_url": .string(report.target.ewsURL), "auth_scheme": .string(report.target.authScheme),
                                          "request_version": .string(report.target.requestVersion), "tls_insecure": .bool(report.tls.insecure)]
        if let server = report.server { extra["server_build"] = .string(server.build) }
        if let proxy = report.target.proxy { extra["proxy"] = .string(proxy) }
        if let profile = report.profile { extra["profile"] = .string("\(profile.id) \(profile.version)") }
        if let c = report.catalog { extra["catalog"] = .string("\(c.version) \(c.fingerprint)") }
        return .object(["reportName": .string("ewscheck \(report.target.name)"), "appName": .string(report.target.name),
                        "buildName": .string(report.runID), "extra": .object(extra)])
    }

    /// The first exchange a failing result cites, as a short redacted excerpt.
    static func evidenceTrace(_ r: CheckResult, _ source: ReportSource) -> String? {
        guard let id = r.evidence.first, let x = source.exchange(id) else { return nil }
        return EvidenceExcerpt.text(x, bodyLimit: 2000)
    }

    static func milliseconds(_ date: Date) -> Int { Int((date.timeIntervalSince1970 * 1000).rounded()) }
}
