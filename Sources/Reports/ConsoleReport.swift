import Conformance
import Foundation

/// The console lines of a run: one per check as it completes, then a summary, a recap of what
/// needs attention and the verdict.
package enum ConsoleReport {
    /// How lines are dressed: ANSI colour on a terminal, plain otherwise.
    package struct Style: Sendable {
        /// Whether ANSI colours are used.
        package var color: Bool
        /// Creates a style.
        package init(color: Bool) { self.color = color }
        /// Plain text.
        package static let plain = Style(color: false)

        func paint(_ text: String, _ outcome: Outcome) -> String {
            guard color else { return text }
            let code: String
            switch outcome {
            case .passed: code = "32"
            case .failed, .unexpectedPass: code = "1;31"
            case .errored: code = "1;33"
            case .skipped: code = "2"
            case .expectedFailure: code = "35"
            }
            return "\u{1B}[\(code)m\(text)\u{1B}[0m"
        }

        func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    }

    /// One line for one result.
    package static func line(_ r: CheckResult) -> String {
        let label = r.outcome.label.padding(toLength: 5, withPad: " ", startingAt: 0)
        return "\(label) \(r.displayName) — \(r.message)"
    }

    /// One line for one result as a run shows it: `[n] ` counter, label (coloured on a terminal),
    /// name, message and the check's duration.
    ///
    /// With `total` the counter reads `[n/N`, and once a few results are in, an estimate of the time
    /// left follows the elapsed time (`ETA 1:05`), from the average pace so far.
    package static func line(_ r: CheckResult, number: Int, elapsed: Double, style: Style, total: Int? = nil) -> String {
        let label = style.paint(r.outcome.label.padding(toLength: 5, withPad: " ", startingAt: 0), r.outcome)
        let time = r.durationMilliseconds >= 1 ? String(format: " (%.0f ms)", r.durationMilliseconds) : ""
        let counter: String
        if let total, total >= number {
            let width = String(total).count
            counter = "[" + String(repeating: " ", count: max(0, width - String(number).count)) + "\(number)/\(total)"
                + String(format: " %6.1fs", elapsed) + (eta(number: number, total: total, elapsed: elapsed).map { " ETA \($0)" } ?? "") + "] "
        } else {
            counter = String(format: "[%3d %6.1fs] ", number, elapsed)
        }
        return counter + "\(label) \(r.displayName) — \(r.message)\(time)"
    }

    /// `m:ss` left at the pace so far; nil before three results, at the end, or under a second.
    static func eta(number: Int, total: Int, elapsed: Double) -> String? {
        guard number >= 3, total > number, elapsed > 0 else { return nil }
        let left = Int((elapsed / Double(number) * Double(total - number)).rounded())
        guard left >= 1 else { return nil }
        return String(format: "%d:%02d", left / 60, left % 60)
    }

    /// The checks that need attention, each with the first line of its first evidence.
    package static func recap(_ report: RunReport, style: Style) -> [String] {
        recap(ReportSource(report), style: style)
    }

    /// The checks that need attention, read back one at a time from `source`.
    package static func recap(_ source: ReportSource, style: Style) -> [String] {
        let report = source.header
        // A run that could not test has one root cause, which the verdict states with its fix.
        if report.couldNotTest != nil, report.exitCode != 130 { return [] }
        let problems = source.results.filter { [.failed, .errored, .unexpectedPass].contains($0.outcome) }
        guard !problems.isEmpty else { return [] }
        var lines = [style.bold("needs attention (\(problems.count)):")]
        for record in problems {
            guard let r = source.result(record) else { continue }
            lines.append("  " + style.paint(r.outcome.label, r.outcome) + " \(r.displayName) — \(r.message)")
            if let x = r.evidence.first.flatMap(source.exchange) {
                let answers = x.legs.compactMap { $0.status.map { "HTTP \($0)" } }
                lines.append("      evidence #\(x.id): \(x.method) \(x.url) → " + (answers.isEmpty ? "no HTTP answer\(x.error.map { " (\($0))" } ?? "")" : answers.joined(separator: " → ")))
            }
        }
        return lines
    }

    /// The verdict, the last line of a run.
    package static func verdict(_ report: RunReport, style: Style) -> String {
        let s = report.summary
        if let cause = report.couldNotTest, report.exitCode != 130 {
            var lines = [style.paint("verdict: COULD NOT TEST", .errored) + " — \(cause.summary)", "  fix: \(cause.remedy)"]
            if !cause.notRun.isEmpty { lines.append("  \(cause.notRun.count) checks that need an EWS answer were not run") }
            return lines.joined(separator: "\n")
        }
        // A narrowed run (--only, --skip, --read-only) proves only what it ran: said in the verdict.
        var partial = ""
        if let sel = report.selection {
            let flags = [!sel.only.isEmpty ? "--only" : nil, !sel.skip.isEmpty ? "--skip" : nil, sel.readOnly ? "--read-only" : nil].compactMap { $0 }
            if !flags.isEmpty { partial = "; partial run: \(sel.deselected.count) checks left out by \(flags.joined(separator: ", "))" }
        }
        // Failures of recommended and informational checks: reported, but they do not decide the verdict.
        let notRequired = s.notRequiredFailures ?? 0
        let recommended = notRequired > 0 ? ", \(notRequired) not-required check\(notRequired == 1 ? "" : "s") failed (recommended or informational)" : ""
        switch report.exitCode {
        case 0: return style.paint("verdict: CONFORMS", .passed) + " (\(s.passed) passed\(s.expectedFailures > 0 ? ", \(s.expectedFailures) known deviation\(s.expectedFailures == 1 ? "" : "s")" : "")\(recommended)\(partial))"
        case 1: return style.paint("verdict: DOES NOT CONFORM", .failed) + " (\(s.failed + s.unexpectedPasses - (s.notRequiredFailures ?? 0)) required checks failed\(recommended)\(partial))"
        case 130: return style.paint("verdict: INTERRUPTED", .errored) + " (created items were removed)"
        default: return style.paint("verdict: COULD NOT TEST", .errored) + " (\(s.errored) errored: the harness could not tell)"
        }
    }

    /// The closing summary (the plain `N passed, N failed` line is what CI log readers look for).
    package static func summary(_ report: RunReport, written: ReportStore.Written?) -> String {
        let s = report.summary
        var lines: [String] = []
        for w in report.warnings { lines.append("WARNING: \(w)") }
        if let server = report.server { lines.append("server: \(server.productName), build \(server.build)") }
        var tail = "\(s.passed) passed, \(s.failed) failed, \(s.skipped) skipped"
        if s.errored > 0 { tail += ", \(s.errored) errored" }
        if s.expectedFailures > 0 { tail += ", \(s.expectedFailures) expected failures" }
        if s.unexpectedPasses > 0 { tail += ", \(s.unexpectedPasses) unexpected passes" }
        if report.interrupted { lines.append("interrupted: checks not started were skipped; cleanup ran") }
        if let proxy = report.target.proxy { lines.append("proxy: \(proxy)") }
        lines.append("cleanup: \(report.cleanup.removed) of \(report.cleanup.created) created items removed")
        // How the provider throttled the run, when it did (the width's lowerings and every back-off).
        if let throttling = report.throttling, throttling.waits > 0 || !throttling.lowerings.isEmpty { lines.append(throttling.line) }
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
