import Conformance
import Foundation

/// Writes a run's reports into `<root>/<run-id>/` and points `<root>/latest` at it.
package struct ReportStore: Sendable {
    /// The reports folder (`reports/` by default).
    package let root: String

    /// Creates a store.
    package init(root: String) { self.root = root }

    /// How many whole results the writers keep in memory between their passes: 10,000 (a few
    /// MB; the 2,000-mailbox voicemail chain), read back from the journal once each instead of
    /// once per format.
    static let resultsKeptWhileWriting = 10_000

    /// The files written for one run.
    package struct Written: Sendable {
        /// The run folder.
        package var directory: String
        /// `report.json`.
        package var json: String
        /// `junit.xml`.
        package var junit: String
        /// `summary.md`, for people.
        package var markdown: String
        /// `report.html`, for people (self-contained).
        package var html: String
        /// `ctrf.json`, the Common Test Report Format.
        package var ctrf: String
    }

    /// Writes `report.json`, `junit.xml`, `summary.md`, `report.html` and `ctrf.json` (each atomically)
    /// and moves `latest`.
    package func write(_ report: RunReport) throws -> Written {
        try write(ReportSource(report))
    }

    /// Writes every format of the report `source` holds, each file through a buffer as it is
    /// assembled (each atomically), and moves `latest`.
    package func write(_ source: ReportSource) throws -> Written {
        // Each format reads every result; up to this many are decoded once for all of them.
        let source = source.keepingResults(upTo: Self.resultsKeptWhileWriting)
        let fm = FileManager.default
        let runID = source.header.runID
        let dir = root + "/" + runID
        try fm.createDirectory(atPath: dir, withIntermediateDirectories: true)
        let json = dir + "/report.json"
        let junit = dir + "/junit.xml"
        let markdown = dir + "/summary.md"
        let html = dir + "/report.html"
        let ctrf = dir + "/ctrf.json"
        // report.html's rendering of each exchange is made as report.json reads it (read, decoded
        // and masked once for both).
        let fragments = ExchangeFragments(directory: dir)
        var out = try ReportOutput(path: json)
        try JSONReportWriter.write(source, to: out, each: fragments.map { f in { f.add($0.id, HTMLReportWriter.exchange($0)) } })
        try out.commit()
        out = try ReportOutput(path: junit)
        JUnitReportWriter.write(source, to: out)
        try out.commit()
        out = try ReportOutput(path: markdown)
        MarkdownSummaryWriter.write(source, to: out)
        try out.commit()
        out = try ReportOutput(path: html)
        HTMLReportWriter.write(source, to: out, exchangeHTML: fragments.map { f in { f.html($0) } })
        try out.commit()
        out = try ReportOutput(path: ctrf)
        try CTRFReportWriter.write(source, to: out)
        try out.commit()
        // Replace the link atomically: make a new link beside it, then rename over.
        let latest = root + "/latest"
        let temp = root + "/.latest-\(UUID().uuidString.prefix(8))"
        try fm.createSymbolicLink(atPath: temp, withDestinationPath: runID)
        if rename(temp, latest) != 0 {
            try? fm.removeItem(atPath: temp)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: latest])
        }
        return Written(directory: dir, json: json, junit: junit, markdown: markdown, html: html, ctrf: ctrf)
    }
}
