import Conformance
import Foundation

/// Writes `summary.md`: the run for people (and for CI pages such as a job summary): verdict,
/// target, profile notices, what failed and why, every result, cleanup.
package enum MarkdownSummaryWriter {
    /// The report as Markdown.
    package static func render(_ report: RunReport) -> String {
        let out = ReportOutput()
        write(ReportSource(report), to: out)
        return String(decoding: out.data, as: UTF8.self)
    }

    /// Writes the report `source` holds, reading each result as its line is written.
    package static func write(_ source: ReportSource, to out: ReportOutput) {
        let report = source.header
        let s = report.summary
        var md: [String] = []
        let verdict: String
        switch report.exitCode {
        case 0: verdict = "✅ conforms"
        case 1: verdict = "❌ does not conform"
        case 130: verdict = "⏹ interrupted"
        default: verdict = report.couldNotTest != nil ? "⚠️ could not test" : "⚠️ incomplete (the harness could not tell)"
        }
        md.append("# ewscheck: \(cell(report.target.name)) — \(verdict)")
        md.append("")
        md.append("Run `\(report.runID)`, \(ISO8601DateFormatter().string(from: report.startedAt)), ewscheck \(report.tool.version).")
        md.append("")
        if let cause = report.couldNotTest {
            md += couldNotTest(cause)
            md.append("")
        }
        md.append("| | |")
        md.append("| --- | --- |")
        md.append("| EWS URL | `\(cell(report.target.ewsURL))` |")
        md.append("| Service account | \(cell(report.target.serviceAccount)) (\(report.target.authScheme)) |")
        if let p = report.profile { md.append("| Profile | \(cell(p.id)) \(cell(p.version)) — \(cell(p.name)) |") }
        if let c = report.catalog { md.append("| Check catalogue | \(cell(c.version)) (fingerprint `\(c.fingerprint)`, \(c.checks) checks) |") }
        if let v = report.server { md.append("| Server | \(cell(v.productName)), build \(v.build)\(v.version.map { ", \($0)" } ?? "") |") }
        if let proxy = report.target.proxy { md.append("| Proxy | `\(cell(proxy))` |") }
        md.append("| TLS | \(report.tls.insecure ? "**verification OFF** (insecure)" : "verified") |")
        md.append("| Results | \(s.passed) passed, \(s.failed) failed, \(s.skipped) skipped, \(s.errored) errored, \(s.expectedFailures) expected failures, \(s.unexpectedPasses) unexpected passes |")
        md.append("| Cleanup | \(report.cleanup.removed) of \(report.cleanup.created) created items removed |")
        if !report.warnings.isEmpty {
            md.append("")
            md.append("## Warnings")
            md += report.warnings.map { "- \(cell($0))" }
        }
        if !report.notices.isEmpty {
            md.append("")
            md.append("## Readiness notices")
            md.append("")
            md.append("| date | kind | | status |")
            md.append("| --- | --- | --- | --- |")
            for n in report.notices {
                let text = n.link.map { "[\(cell(n.summary))](\($0))" } ?? cell(n.summary)
                md.append("| \(n.date) | \(n.kind) | \(text) | \(cell(n.status)) |")
            }
        }
        let problems = source.results.filter { [.failed, .errored, .unexpectedPass].contains($0.outcome) }
        if !problems.isEmpty {
            md.append("")
            md.append("## What needs attention")
            md.append("")
            for record in problems {
                guard let r = source.result(record) else { continue }
                md.append("- **\(r.outcome.label)** `\(cell(r.displayName))`: \(cell(r.message))  ")
                md.append("  _requirement:_ \(cell(r.requirement))")
            }
        }
        md.append("")
        md.append("## All checks")
        md.append("")
        md.append("| outcome | check | message |")
        md.append("| --- | --- | --- |")
        out.write(md.joined(separator: "\n") + "\n")
        for record in source.results {
            guard let r = source.result(record) else { continue }
            out.write("| \(r.outcome.label) | `\(cell(r.displayName))` | \(cell(r.message)) |\n")
        }
        md = []
        if !report.cleanup.leftover.isEmpty {
            md.append("")
            md.append("## Left behind")
            md += report.cleanup.leftover.map { "- \(cell($0.mailbox)): `\(cell($0.itemID))` \(cell($0.subject))" }
        }
        md.append("")
        md.append("Evidence: every HTTP exchange is in `report.json` (`evidence`), secrets removed.")
        out.write(md.joined(separator: "\n") + "\n")
    }

    /// The root cause of a run that could not test: one line, the fix, the certificate, the checks not run.
    static func couldNotTest(_ cause: RootCause) -> [String] {
        var md = ["**Could not test:** \(cell(cause.summary))", "", "**Fix:** \(cell(cause.remedy))"]
        if let c = cause.certificate {
            md += ["", "Certificate: subject \(cell(c.subject ?? "?")); issuer \(cell(c.issuer ?? "?")); valid \(cell(c.notBefore ?? "?")) to \(cell(c.notAfter ?? "?"))"
                   + (c.subjectAltNames.isEmpty ? "" : "; names \(cell(c.subjectAltNames.joined(separator: ", ")))")]
        }
        if !cause.notRun.isEmpty {
            md += ["", "\(cause.notRun.count) checks that need an EWS answer were not run: " + cause.notRun.map { "`\($0)`" }.joined(separator: ", ")]
        }
        return md
    }

    /// Text safe inside a table cell.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }
}
