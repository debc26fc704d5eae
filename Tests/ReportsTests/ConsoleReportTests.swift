@testable import Conformance
import Foundation
@testable import Reports
import Testing

private func results(passed: Int, failed: Int, skipped: Int) -> [CheckResult] {
    (0..<passed).map { SampleReport.result(CheckID("p.\($0)"), .passed) }
        + (0..<failed).map { SampleReport.result(CheckID("f.\($0)"), .failed) }
        + (0..<skipped).map { SampleReport.result(CheckID("s.\($0)"), .skipped) }
}

@Suite("ConsoleReport")
struct ConsoleReportTests {
    @Test("the summary ends with 'ewscheck: N passed, N failed, N skipped'",
          arguments: [(3, 2, 1), (0, 0, 0), (10, 0, 7), (1, 12, 0)])
    func summaryLastLine(_ passed: Int, _ failed: Int, _ skipped: Int) {
        let report = SampleReport.make(results(passed: passed, failed: failed, skipped: skipped))
        let summary = ConsoleReport.summary(report, written: nil)
        #expect(summary.split(separator: "\n", omittingEmptySubsequences: false).last
                == "ewscheck: \(passed) passed, \(failed) failed, \(skipped) skipped")
    }

    @Test("errors, expected failures and unexpected passes are added to the last line only when present")
    func summaryExtras() {
        let report = SampleReport.make()
        let last = ConsoleReport.summary(report, written: nil).split(separator: "\n").last.map(String.init)
        #expect(last == "ewscheck: 3 passed, 2 failed, 2 skipped, 1 errored, 1 expected failures, 1 unexpected passes")
    }

    @Test("warnings, the server, the cleanup and the written files come before the count line")
    func summaryBody() {
        let report = SampleReport.make(results(passed: 1, failed: 0, skipped: 0), warnings: ["TLS verification is OFF"])
        let written = ReportStore.Written(directory: "/r/run", json: "/r/run/report.json", junit: "/r/run/junit.xml", markdown: "/r/run/summary.md",
                                          html: "/r/run/report.html", ctrf: "/r/run/ctrf.json")
        let lines = ConsoleReport.summary(report, written: written).split(separator: "\n").map(String.init)
        #expect(lines.contains("WARNING: TLS verification is OFF"))
        #expect(lines.contains("server: \(report.server?.productName ?? "?"), build \(report.server?.build ?? "?")"))
        #expect(lines.contains("cleanup: 1 of 2 created items removed"))
        #expect(lines.contains("report: /r/run/report.json"))
        #expect(lines.contains("junit:  /r/run/junit.xml"))
        #expect(lines.contains("people: /r/run/report.html and /r/run/summary.md"))
        #expect(lines.contains("ctrf:   /r/run/ctrf.json"))
        #expect(!lines.contains { $0.hasPrefix("interrupted") })
        #expect(lines.last == "ewscheck: 1 passed, 0 failed, 0 skipped")
    }

    @Test("an interrupted run says so")
    func summaryInterrupted() {
        let report = SampleReport.make(results(passed: 1, failed: 0, skipped: 1), interrupted: true)
        let summary = ConsoleReport.summary(report, written: nil)
        #expect(summary.contains("interrupted: checks not started were skipped; cleanup ran"))
        #expect(summary.hasSuffix("\newscheck: 1 passed, 0 failed, 1 skipped"))
    }

    @Test("a result line shows the label, the display name and the message", arguments: Outcome.allCases)
    func resultLine(_ outcome: Outcome) {
        let r = SampleReport.result(CheckCatalog.voicemailDeliver, mailbox: "alice@contoso.com", outcome, message: "because")
        let label = outcome.label + String(repeating: " ", count: 5 - outcome.label.count)
        #expect(ConsoleReport.line(r) == "\(label) voicemail.deliver[alice@contoso.com] — because")
    }

    @Test("the verdict is the last word: conforms, does not conform, could not test, interrupted")
    func verdictLines() {
        #expect(ConsoleReport.verdict(SampleReport.make(results(passed: 2, failed: 0, skipped: 1)), style: .plain) == "verdict: CONFORMS (2 passed)")
        #expect(ConsoleReport.verdict(SampleReport.make(results(passed: 2, failed: 3, skipped: 0)), style: .plain) == "verdict: DOES NOT CONFORM (3 required checks failed)")
        let errored = SampleReport.make([SampleReport.result(CheckID("e.1"), .errored)])
        #expect(ConsoleReport.verdict(errored, style: .plain).hasPrefix("verdict: COULD NOT TEST"))
        #expect(ConsoleReport.verdict(SampleReport.make(results(passed: 1, failed: 0, skipped: 0), interrupted: true), style: .plain).hasPrefix("verdict: INTERRUPTED"))
    }

    @Test("with the planned total the counter reads n/N and, after a few results, the time left at the pace so far")
    func progressWithETA() {
        let r = SampleReport.result(CheckID("p.1"), .passed)
        #expect(ConsoleReport.line(r, number: 2, elapsed: 4, style: .plain, total: 120).hasPrefix("[  2/120    4.0s] PASS "),
                "no estimate from two results")
        // 10 results in 20 s: 110 left at 2 s each is 220 s.
        #expect(ConsoleReport.line(r, number: 10, elapsed: 20, style: .plain, total: 120).hasPrefix("[ 10/120   20.0s ETA 3:40] PASS "))
        #expect(ConsoleReport.line(r, number: 120, elapsed: 240, style: .plain, total: 120).hasPrefix("[120/120  240.0s] PASS "),
                "no estimate at the end")
        // More results than planned (Autodiscover ran extra probes): the plain counter, never a negative ETA.
        #expect(ConsoleReport.line(r, number: 121, elapsed: 241, style: .plain, total: 120).hasPrefix("[121  241.0s] PASS "))
    }

    @Test("colour only when asked: ANSI codes on a terminal style, none in plain text")
    func colour() {
        let r = SampleReport.result(CheckID("f.1"), .failed)
        let plain = ConsoleReport.line(r, number: 3, elapsed: 1.25, style: .plain)
        #expect(!plain.contains("\u{1B}"))
        #expect(plain.hasPrefix("[  3    1.2s] FAIL  f.1 — ") || plain.hasPrefix("[  3    1.3s] FAIL  f.1 — "))
        #expect(plain.hasSuffix("(12 ms)"), "each line says how long its check took")
        let coloured = ConsoleReport.line(r, number: 3, elapsed: 1.25, style: .init(color: true))
        #expect(coloured.contains("\u{1B}[1;31mFAIL \u{1B}[0m"))
    }

    @Test("the recap lists what needs attention with its first evidence, and nothing when all passed")
    func recap() {
        var report = SampleReport.make([SampleReport.result(CheckID("p.1"), .passed, evidence: [1]),
                                        SampleReport.result(CheckID("f.1"), .failed, message: "refused", evidence: [2])])
        report.evidence = [EvidencePolicyTests.exchange(2)]
        let lines = ConsoleReport.recap(report, style: .plain)
        #expect(lines.first == "needs attention (1):")
        #expect(lines.contains("  FAIL f.1[] — refused") || lines.contains("  FAIL f.1 — refused"))
        #expect(lines.contains { $0.contains("evidence #2: POST https://mail.contoso.com/EWS/Exchange.asmx → HTTP 200") })
        #expect(ConsoleReport.recap(SampleReport.make(results(passed: 3, failed: 0, skipped: 1)), style: .plain).isEmpty)
    }
}
