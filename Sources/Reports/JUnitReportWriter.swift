import Conformance
private import EWSProtocol
import Foundation

/// Writes JUnit XML that CI servers show well (valid against Jenkins' junit-10.xsd): one `testsuite`
/// per area (`auth`, `impersonation`, `voicemail`…), one `testcase` per check result named
/// `id[mailbox]` with the area as `classname`; a failure's message says what was observed and what
/// was required, and its body is an excerpt of the (redacted) evidence; the run's facts and the
/// profile's dated notices go into every suite's properties and `system-out`.
package enum JUnitReportWriter {
    /// The report as JUnit XML.
    package static func render(_ report: RunReport) -> String {
        let out = ReportOutput()
        write(ReportSource(report), to: out)
        return String(decoding: out.data, as: UTF8.self)
    }

    /// Writes the report `source` holds, reading each result (and the first two exchanges of a
    /// failure) as its test case is written.
    package static func write(_ source: ReportSource, to out: ReportOutput) {
        let report = source.header
        let s = report.summary
        // A wall clock stepped back during the run must not give a negative time (the XSD refuses it).
        let seconds = max(0, report.finishedAt.timeIntervalSince(report.startedAt))
        let stamp = ISO8601DateFormatter().string(from: report.startedAt)
        let properties = self.properties(report)
        let notices = report.notices.map { "notice: \($0.date) [\($0.kind)] \($0.summary) — \($0.status)" }
        out.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
        out.write("<testsuites name=\"\(escape("ewscheck: \(report.target.name)"))\" tests=\"\(s.total)\" failures=\"\(s.failed + s.unexpectedPasses)\" errors=\"\(s.errored)\" time=\"\(String(format: "%.3f", seconds))\">\n")
        var areas = source.areas
        // A report without results still names its run (and stays valid).
        if areas.isEmpty { areas = [("ewscheck", [])] }
        let package = escape("ewscheck: \(report.target.name)")
        var propertyLines = "    <properties>\n"
        for (name, value) in properties {
            propertyLines += "      <property name=\"\(escape(name))\" value=\"\(escape(value))\"/>\n"
        }
        propertyLines += "    </properties>\n"
        for (area, positions) in areas {
            let records = positions.map { source.results[$0] }
            let counts = RunReport.Summary(recorded: records)
            let time = String(format: "%.3f", records.reduce(0) { $0 + max(0, $1.durationMilliseconds) } / 1000)
            out.write("  <testsuite name=\"\(escape(area))\" tests=\"\(counts.total)\" failures=\"\(counts.failed + counts.unexpectedPasses)\" errors=\"\(counts.errored)\" skipped=\"\(counts.skipped + counts.expectedFailures)\" time=\"\(time)\" timestamp=\"\(stamp)\" id=\"\(escape(report.runID + "." + area))\" package=\"\(package)\">\n")
            out.write(propertyLines)
            for record in records {
                guard let r = source.result(record) else { continue }
                var x = ""
                let t = String(format: "%.3f", max(0, r.durationMilliseconds) / 1000)
                x += "    <testcase name=\"\(escape(r.displayName))\" classname=\"\(escape(area))\" time=\"\(t)\">\n"
                let observed = "\(r.message) — required: \(r.requirement)"
                // Only a failure or an error shows its evidence.
                var body: String {
                    r.evidence.lazy.compactMap(source.exchange).prefix(2).map { EvidenceExcerpt.text($0, bodyLimit: 1500) }.joined(separator: "\n\n")
                }
                switch r.outcome {
                case .passed: break
                case .failed:
                    let body = body
                    x += "      <failure type=\"failed\" message=\"\(escape(observed))\">\(escape(body.isEmpty ? r.message : body))</failure>\n"
                case .unexpectedPass:
                    let body = body
                    x += "      <failure type=\"unexpected_pass\" message=\"\(escape(r.message))\">\(escape(body.isEmpty ? r.message : body))</failure>\n"
                case .errored:
                    let body = body
                    x += "      <error type=\"errored\" message=\"\(escape(observed))\">\(escape(body.isEmpty ? r.message : body))</error>\n"
                case .skipped:
                    x += "      <skipped type=\"skipped\" message=\"\(escape(r.message))\"/>\n"
                case .expectedFailure:
                    x += "      <skipped type=\"expected_failure\" message=\"\(escape(r.message))\"/>\n"
                }
                var text = "\(r.outcome.label): \(r.message)\nrequirement: \(r.requirement)\n"
                for (k, v) in r.facts.sorted(by: { $0.key < $1.key }) { text += "\(k): \(v)\n" }
                if !r.evidence.isEmpty { text += "evidence: HTTP exchanges \(r.evidence.map(String.init).joined(separator: ", ")) in report.json\n" }
                x += "      <system-out>\(escape(text))</system-out>\n"
                x += "    </testcase>\n"
                out.write(x)
            }
            var suiteOut = notices
            if let cause = report.couldNotTest { suiteOut.append("\(cause.line)\nfix: \(cause.remedy)") }
            suiteOut += report.warnings.map { "warning: \($0)" }
            if report.tls.insecure { suiteOut.append("TLS certificate verification was OFF (insecure) for this run") }
            if !suiteOut.isEmpty { out.write("    <system-out>\(escape(suiteOut.joined(separator: "\n") + "\n"))</system-out>\n") }
            out.write("  </testsuite>\n")
        }
        out.write("</testsuites>\n")
    }

    /// The run's facts, as JUnit properties (the same in every suite, so any one shows them).
    static func properties(_ report: RunReport) -> [(String, String)] {
        var props: [(String, String)] = [
            ("run_id", report.runID), ("ews_url", report.target.ewsURL), ("auth_scheme", report.target.authScheme),
            ("service_account", report.target.serviceAccount), ("request_version", report.target.requestVersion),
            ("tls.verify", String(report.tls.verify)), ("tls.insecure", String(report.tls.insecure)),
            ("exit_code", String(report.exitCode)),
        ]
        if let cause = report.couldNotTest {
            props.append(("verdict", RootCause.verdict))
            props.append(("root_cause", cause.summary))
            props.append(("root_cause.fix", cause.remedy))
            props.append(("not_run", cause.notRun.map(\.rawValue).joined(separator: " ")))
        }
        if let proxy = report.target.proxy { props.append(("proxy", proxy)) }
        if let profile = report.profile { props.append(("profile", "\(profile.id) \(profile.version)")) }
        if let c = report.catalog { props.append(("catalog", "\(c.version) \(c.fingerprint)")) }
        if let server = report.server { props.append(("server.build", server.build)) }
        for n in report.notices { props.append(("notice", "\(n.date) [\(n.kind)] \(n.summary) — \(n.status)")) }
        for w in report.warnings { props.append(("warning", w)) }
        return props
    }

    /// Escaped for JUnit's attributes and text: line breaks kept as character references.
    static func escape(_ s: String) -> String { s.xmlAttributeEscaped }
}
