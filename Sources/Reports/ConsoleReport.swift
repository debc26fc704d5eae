import Conformance
import Foundation

/// The console lines of a run: one per check as it completes, then a summary.
public enum ConsoleReport {
    /// One line for one result.
    public static func line(_ r: CheckResult) -> String {
        let label = r.outcome.label.padding(toLength: 5, withPad: " ", startingAt: 0)
        return "\(label) \(r.displayName) — \(r.message)"
    }

    /// The closing summary (the plain `N passed, N failed` line is what CI log readers look for).
    public static func summary(_ report: RunReport, written: ReportStore.Written?) -> String {
        let s = report.summary
        var lines: [String] = []
        for w in report.warnings { lines.append("WARNING: \(w)") }
        if let server = report.server { lines.append("server: \(server.productName), build \(server.build)") }
        var tail = "\(s.passed) passed, \(s.failed) failed, \(s.skipped) skipped"
        if s.errored > 0 { tail += ", \(s.errored) errored" }
        if s.expectedFailures > 0 { tail += ", \(s.expectedFailures) expected failures" }
        if s.unexpectedPasses > 0 { tail += ", \(s.unexpectedPasses) unexpected passes" }
        if report.interrupted { lines.append("interrupted: checks not started were skipped; cleanup ran") }
        lines.append("cleanup: \(report.cleanup.removed) of \(report.cleanup.created) created items removed")
        if let written {
            lines.append("report: \(written.json)")
            lines.append("junit:  \(written.junit)")
            lines.append("people: \(written.html) and \(written.markdown)")
            lines.append("ctrf:   \(written.ctrf)")
        }
        lines.append("ewscheck: " + tail)
        return lines.joined(separator: "\n")
    }
}
