import Conformance
import EWSTransport
import Foundation

/// Writes `report.html`: one self-contained page (no external assets, no scripts needed to read it;
/// works offline and as a CI artifact). The verdict and its reason come first, then the dated notices,
/// the checks grouped by area as a tree with the ones that need attention opened, a mailbox × check
/// matrix for per-mailbox checks, and each check's evidence folded under it.
package enum HTMLReportWriter {
    /// The report as an HTML document.
    package static func render(_ report: RunReport) -> String {
        let out = ReportOutput()
        write(ReportSource(report), to: out)
        return String(decoding: out.data, as: UTF8.self)
    }

    /// Writes the report `source` holds, reading each result and the exchanges it cites as its
    /// part of the page is written; `exchangeHTML` gives an exchange's rendering when one was kept
    /// (``ExchangeFragments``), so it is not read and rendered again.
    package static func write(_ source: ReportSource, to out: ReportOutput, exchangeHTML: ((Int) -> String?)? = nil) {
        let report = source.header
        let s = report.summary
        let (verdictClass, verdictText) = verdict(report)
        var h = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>ewscheck \(e(report.target.name)) — \(e(verdictText))</title>
            <style>\(css)</style></head><body>
            <header class="verdict \(verdictClass)"><h1 id="verdict">\(e(verdictText))</h1>
            <p>\(e(report.target.name)) · run <code>\(e(report.runID))</code> · \(e(stamp(report.startedAt))) · ewscheck \(e(report.tool.version))</p>
            <p class="reason">\(e(reason(source)))</p></header>
            <main>
            """
        if let cause = report.couldNotTest { h += couldNotTest(cause) }
        h += "<section><h2>Target</h2><table class=\"facts\">"
        h += row("EWS URL", "<code>\(e(report.target.ewsURL))</code>")
        h += row("Service account", "\(e(report.target.serviceAccount)) (\(e(report.target.authScheme)))")
        h += row("Request version", e(report.target.requestVersion))
        if let p = report.profile { h += row("Profile", "\(e(p.id)) \(e(p.version)) — \(e(p.name))") }
        if let c = report.catalog { h += row("Check catalogue", "\(e(c.version)) (fingerprint <code>\(e(c.fingerprint))</code>, \(c.checks) checks)") }
        if let v = report.server { h += row("Server", "\(e(v.productName)), build \(e(v.build))") }
        if let proxy = report.target.proxy { h += row("Proxy", "<code>\(e(proxy))</code>") }
        h += row("TLS", report.tls.insecure ? "<strong class=\"bad\">verification OFF (insecure)</strong>" : "verified")
        h += row("Results", "\(s.passed) passed, \(s.failed) failed, \(s.skipped) skipped, \(s.errored) errored, \(s.expectedFailures) expected failures, \(s.unexpectedPasses) unexpected passes")
        h += row("Duration", String(format: "%.2f s", max(0, report.finishedAt.timeIntervalSince(report.startedAt))))
        h += row("Cleanup", "\(report.cleanup.removed) of \(report.cleanup.created) created items removed")
        h += "</table></section>"
        if !report.warnings.isEmpty {
            h += "<section><h2>Warnings</h2><ul>" + report.warnings.map { "<li>\(e($0))</li>" }.joined() + "</ul></section>"
        }
        if !report.notices.isEmpty {
            h += "<section id=\"notices\"><h2>Readiness notices</h2><table><tr><th>date</th><th>kind</th><th>notice</th><th>status</th></tr>"
            for n in report.notices {
                let text = n.link.map { "<a href=\"\(e($0))\">\(e(n.summary))</a>" } ?? e(n.summary)
                h += "<tr class=\"\(n.inEffect ? "in-effect" : "ahead")\"><td>\(e(n.date))</td><td>\(e(n.kind))</td><td>\(text)</td><td>\(e(n.status))</td></tr>"
            }
            h += "</table></section>"
        }
        out.write(h)
        matrix(source, to: out)
        out.write("<section id=\"checks\"><h2>Checks</h2>")
        for (area, positions) in source.areas {
            let records = positions.map { source.results[$0] }
            let attention = records.contains { needsAttention($0.outcome) }
            let counts = Dictionary(grouping: records, by: \.outcome).map { "\($0.value.count) \($0.key.label)" }.sorted().joined(separator: ", ")
            out.write("<details class=\"area\"\(attention ? " open" : "")><summary><span class=\"area-name\">\(e(area))</span> <span class=\"counts\">\(e(counts))</span></summary>")
            for record in records {
                guard let r = source.result(record) else { continue }
                let open = needsAttention(r.outcome) ? " open" : ""
                var h = "<details class=\"check \(r.outcome.rawValue)\" id=\"\(e(anchor(r)))\" data-check-id=\"\(e(r.id.rawValue))\"\(open)>"
                h += "<summary><span class=\"badge \(r.outcome.rawValue)\">\(r.outcome.label)</span> <code>\(e(r.displayName))</code> "
                h += "<span class=\"time\">\(String(format: "%.0f ms", r.durationMilliseconds))</span><br><span class=\"msg\">\(e(r.message))</span></summary>"
                h += "<p class=\"req\"><b>Requirement:</b> \(e(r.requirement))</p>"
                if !r.facts.isEmpty {
                    h += "<table class=\"facts\">" + r.facts.sorted { $0.key < $1.key }.map { row($0.key, e($0.value)) }.joined() + "</table>"
                }
                for id in r.evidence {
                    if let kept = exchangeHTML?(id) {
                        h += kept
                    } else if let x = source.exchange(id) {
                        h += exchange(x)
                    }
                }
                h += "</details>"
                out.write(h)
            }
            out.write("</details>")
        }
        h = "</section>"
        if !report.cleanup.leftover.isEmpty {
            h += "<section><h2>Left behind</h2><ul>"
            h += report.cleanup.leftover.map { "<li>\(e($0.mailbox)): <code>\(e($0.itemID))</code> \(e($0.subject))</li>" }.joined()
            h += "</ul></section>"
        }
        h += "</main><footer>Evidence is redacted at capture: passwords, tokens and Authorization values never appear.</footer></body></html>\n"
        out.write(h)
    }

    /// `conforms` / `does not conform` / `could not test` / `interrupted`, with a CSS class.
    static func verdict(_ report: RunReport) -> (String, String) {
        switch report.exitCode {
        case 0: return ("ok", "Conforms")
        case 1: return ("bad", "Does not conform")
        case 130: return ("warn", "Interrupted")
        default: return ("warn", "Could not test")
        }
    }

    /// The verdict's reason in one sentence: the first thing that needs attention, or the count.
    /// The root cause of a run that could not test, with the checks it kept from running.
    static func couldNotTest(_ cause: RootCause) -> String {
        var h = "<section id=\"could-not-test\"><h2>Could not test</h2><table class=\"facts\">"
        h += row("Root cause", e(cause.summary))
        h += row("Fix", e(cause.remedy))
        if let c = cause.certificate {
            h += row("Certificate", e(c.finding))
            h += row("Subject", e(c.subject ?? "?")) + row("Issuer", e(c.issuer ?? "?"))
            h += row("Valid", e("\(c.notBefore ?? "?") to \(c.notAfter ?? "?")"))
            if !c.subjectAltNames.isEmpty { h += row("Names", e(c.subjectAltNames.joined(separator: ", "))) }
        }
        if !cause.notRun.isEmpty {
            h += row("Not run", "\(cause.notRun.count) checks that need an EWS answer: " + cause.notRun.map { "<code>\(e($0.rawValue))</code>" }.joined(separator: " "))
        }
        return h + "</table></section>"
    }

    static func reason(_ source: ReportSource) -> String {
        let report = source.header
        if let cause = report.couldNotTest { return "\(cause.line) Fix: \(cause.remedy)" }
        if let first = source.results.first(where: { $0.outcome == .failed || $0.outcome == .unexpectedPass }).flatMap(source.result) {
            return "\(first.displayName): \(first.message)"
        }
        if let first = source.results.first(where: { $0.outcome == .errored }).flatMap(source.result) {
            return "\(first.displayName): \(first.message)"
        }
        if report.interrupted { return "The run was interrupted; checks not started were skipped and the cleanup ran." }
        return "All \(report.summary.passed) checks that ran passed."
    }

    static func needsAttention(_ o: Outcome) -> Bool { o == .failed || o == .errored || o == .unexpectedPass }

    /// Mailbox × check for the per-mailbox checks (each cell's result read back for its message).
    static func matrix(_ source: ReportSource, to out: ReportOutput) {
        // One pass, with sets and a dictionary: a 10,000-mailbox report must not scan every result per cell.
        var checks: [CheckID] = []
        var knownChecks: Set<CheckID> = []
        var mailboxes: [String] = []
        var knownMailboxes: Set<String> = []
        var cell: [String: [CheckID: Int]] = [:]
        for (i, r) in source.results.enumerated() {
            guard let m = r.mailbox else { continue }
            if knownChecks.insert(r.id).inserted { checks.append(r.id) }
            if knownMailboxes.insert(m).inserted { mailboxes.append(m) }
            if cell[m]?[r.id] == nil { cell[m, default: [:]][r.id] = i }
        }
        guard !checks.isEmpty else { return }
        var h = "<section id=\"matrix\"><h2>Mailboxes</h2><div class=\"scroll\"><table class=\"matrix\"><tr><th>mailbox</th>"
        h += checks.map { "<th><code>\(e($0.rawValue))</code></th>" }.joined() + "</tr>"
        out.write(h)
        for m in mailboxes {
            h = "<tr><td>\(e(m))</td>"
            for c in checks {
                if let i = cell[m]?[c], let r = source.result(source.results[i]) {
                    h += "<td class=\"cell \(r.outcome.rawValue)\"><a href=\"#\(e(anchor(r)))\" title=\"\(e(r.message))\">\(r.outcome.label)</a></td>"
                } else {
                    h += "<td></td>"
                }
            }
            out.write(h + "</tr>")
        }
        out.write("</table></div></section>")
    }

    static func exchange(_ x: HTTPExchange) -> String {
        var h = "<details class=\"exchange\"><summary>exchange #\(x.id): \(e(x.method)) \(e(x.url)) — "
        h += x.legs.map { $0.status.map { "HTTP \($0)" } ?? "no status" }.joined(separator: " → ")
        h += String(format: " (%.1f ms)", x.durationMilliseconds) + "</summary>"
        if let error = x.error { h += "<p class=\"bad\">\(e(error))</p>" }
        for (n, leg) in x.legs.enumerated() {
            h += "<p>leg \(n + 1)</p><pre>" + leg.requestHeaders.map { e("\($0.name): \($0.value)") }.joined(separator: "\n") + "</pre>"
            h += "<pre>" + (leg.status.map { "HTTP \($0)\n" } ?? "") + leg.responseHeaders.map { e("\($0.name): \($0.value)") }.joined(separator: "\n") + "</pre>"
        }
        if !x.requestBody.isEmpty { h += "<p>request body</p><pre>\(e(x.requestBody))</pre>" }
        if !x.responseBody.isEmpty { h += "<p>response body</p><pre>\(e(x.responseBody))</pre>" }
        return h + "</details>"
    }

    static func anchor(_ r: CheckResult) -> String {
        "check-" + r.displayName.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? String($0) : "_" }.joined()
    }

    static func row(_ name: String, _ html: String) -> String { "<tr><th>\(e(name))</th><td>\(html)</td></tr>" }

    static func stamp(_ d: Date) -> String { ISO8601DateFormatter().string(from: d) }

    /// HTML-escaped text (control characters other than newline and tab dropped). Byte by byte
    /// over UTF-8: every byte that needs escaping or dropping is ASCII, and text that needs
    /// neither (most of it) is returned as it is.
    static func e(_ s: String) -> String {
        func plain(_ b: UInt8) -> Bool {
            switch b {
            case UInt8(ascii: "&"), UInt8(ascii: "<"), UInt8(ascii: ">"), UInt8(ascii: "\""), UInt8(ascii: "'"), 0x7F: return false
            case 0x0A, 0x09: return true
            default: return b >= 0x20
            }
        }
        guard !s.utf8.allSatisfy(plain) else { return s }
        var out: [UInt8] = []
        out.reserveCapacity(s.utf8.count + 16)
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "&"): out.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): out.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): out.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): out.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): out.append(contentsOf: "&#39;".utf8)
            default: if plain(b) { out.append(b) }
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static let css = """
        body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d1d1f;background:#fafafa}
        header.verdict{padding:18px 24px;color:#fff}header.ok{background:#1e7d32}header.bad{background:#b3261e}header.warn{background:#8a5a00}
        header h1{margin:0 0 4px;font-size:26px}header p{margin:2px 0}.reason{font-weight:600}
        main{padding:8px 24px 24px;max-width:1200px}h2{font-size:18px;margin:22px 0 8px}
        table{border-collapse:collapse;background:#fff}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
        table.facts th{width:180px;background:#f3f3f3}code{font:12px ui-monospace,monospace}
        details{background:#fff;border:1px solid #ddd;border-radius:4px;margin:4px 0;padding:4px 8px}
        details.area>summary{font-weight:600;font-size:15px}details.check{margin-left:12px}details.exchange{margin-left:12px;background:#f7f7f7}
        summary{cursor:pointer}.counts,.time{color:#666;font-weight:normal;font-size:12px}.msg{color:#333}
        .badge{display:inline-block;min-width:46px;text-align:center;border-radius:3px;color:#fff;font:600 11px ui-monospace,monospace;padding:1px 4px}
        .passed{--c:#1e7d32}.failed{--c:#b3261e}.errored{--c:#8a5a00}.skipped{--c:#777}.expected_failure{--c:#5e35b1}.unexpected_pass{--c:#b3261e}
        .badge{background:var(--c)}td.cell a{color:var(--c);font:600 11px ui-monospace,monospace;text-decoration:none}
        pre{white-space:pre-wrap;word-break:break-all;background:#f0f0f0;padding:6px;font:12px ui-monospace,monospace;max-height:400px;overflow:auto}
        .bad{color:#b3261e}.scroll{overflow-x:auto}tr.in-effect td{background:#fff4f4}footer{color:#666;padding:12px 24px}
        """
}
