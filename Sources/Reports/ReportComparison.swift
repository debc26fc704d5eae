import Conformance
import Foundation

/// Several runs side by side (a partner comparing hosters, or one provider over time): a check ×
/// run matrix, per-mailbox checks folded to their worst outcome.
package struct ReportComparison: Sendable {
    /// The column titles (`profile or target — run id`).
    package var columns: [String]
    /// Rows: check id → one outcome per column (nil: the run has no such check), with the count of
    /// mailboxes behind a folded per-mailbox outcome.
    package var rows: [(check: String, cells: [(Outcome, Int)?])]

    /// Compares the runs in the given order.
    package init(_ reports: [RunReport]) {
        columns = reports.map { "\($0.profile?.id ?? $0.target.name) — \($0.runID)" }
        var checks: [String] = []
        for r in reports.flatMap(\.results) where !checks.contains(r.id.rawValue) { checks.append(r.id.rawValue) }
        rows = checks.map { check in
            (check, reports.map { report -> (Outcome, Int)? in
                let matching = report.results.filter { $0.id.rawValue == check }
                guard let worst = matching.map(\.outcome).max(by: { Self.rank($0) < Self.rank($1) }) else { return nil }
                return (worst, matching.count)
            })
        }
    }

    static func rank(_ o: Outcome) -> Int {
        switch o {
        case .passed: return 0
        case .skipped: return 1
        case .expectedFailure: return 2
        case .errored: return 3
        case .unexpectedPass: return 4
        case .failed: return 5
        }
    }

    /// The matrix as Markdown.
    package var markdown: String {
        var md = "| check | " + columns.map(MarkdownSummaryWriter.cell).joined(separator: " | ") + " |\n"
        md += "| --- |" + String(repeating: " --- |", count: columns.count) + "\n"
        for row in rows {
            md += "| `\(row.check)` | " + row.cells.map { cell in
                guard let (o, n) = cell else { return "—" }
                return n > 1 ? "\(o.label) (\(n))" : o.label
            }.joined(separator: " | ") + " |\n"
        }
        return md
    }

    /// The matrix as a self-contained HTML page.
    package var html: String {
        let e = HTMLReportWriter.e
        var h = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>ewscheck comparison</title><style>\(HTMLReportWriter.css)</style></head><body><main><h1>ewscheck comparison</h1>"
        h += "<table class=\"matrix\"><tr><th>check</th>" + columns.map { "<th>\(e($0))</th>" }.joined() + "</tr>"
        for row in rows {
            h += "<tr><td><code>\(e(row.check))</code></td>"
            for cell in row.cells {
                if let (o, n) = cell {
                    h += "<td class=\"cell \(o.rawValue)\" data-check-id=\"\(e(row.check))\"><span class=\"badge \(o.rawValue)\">\(o.label)</span>\(n > 1 ? " ×\(n)" : "")</td>"
                } else {
                    h += "<td>—</td>"
                }
            }
            h += "</tr>"
        }
        return h + "</table></main></body></html>\n"
    }
}
