import ArgumentParser
import Conformance
import Foundation
import Reports

/// `ewscheck report …`: everything here works from `report.json` alone, so a report copied off a
/// CI artifact can be looked at, re-rendered, compared and merged anywhere.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Look at, re-render, compare and merge run reports (from report.json).",
        discussion: """
            RUN is a run folder, a report.json file, or a run id under --reports-dir ("latest" works).

            Examples:
              ewscheck report show latest
              ewscheck report show latest voicemail.readback
              ewscheck report render latest --format html --output /tmp/report.html
              ewscheck report diff 20261201T0900Z-aaaa latest        # exit 1 on a regression
              ewscheck report compare run-hoster-a run-hoster-b --output comparison
              ewscheck report merge shard-1 shard-2 shard-3 --into nightly
            """,
        subcommands: [Show.self, Render.self, Diff.self, Compare.self, Merge.self])

    struct Location: ParsableArguments {
        @Option(name: .customLong("reports-dir"), help: "Where run ids are looked up.")
        var reportsDirectory: String = "reports"

        /// The report.json a RUN argument names.
        func path(_ run: String) -> String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: run, isDirectory: &isDirectory) {
                return isDirectory.boolValue ? run + "/report.json" : run
            }
            return reportsDirectory + "/" + run + "/report.json"
        }

        func load(_ run: String) throws -> RunReport {
            let file = path(run)
            guard let data = FileManager.default.contents(atPath: file) else {
                Console.err("ewscheck: no report at \(file) (RUN is a run folder, a report.json or a run id under \(reportsDirectory))")
                throw ExitCode(ExitStatus.usage)
            }
            do {
                return try JSONReportWriter.decode(data)
            } catch {
                Console.err("ewscheck: \(file) is not an ewscheck report: \(error)")
                throw ExitCode(ExitStatus.usage)
            }
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a run's results, or one check's evidence.")
        @OptionGroup var location: Location
        @Argument(help: "The run.") var run: String
        @Argument(help: "A check id, or id[mailbox]; a prefix like voicemail. shows every match.") var check: String?

        func run() async throws {
            let report = try location.load(run)
            guard let check else {
                for r in report.results { Console.out(ConsoleReport.line(r)) }
                Console.out("\(report.runID): \(report.summary.passed) passed, \(report.summary.failed) failed, \(report.summary.skipped) skipped, \(report.summary.errored) errored")
                return
            }
            let matches = report.results.filter { $0.displayName == check || $0.id.rawValue == check || $0.displayName.hasPrefix(check) }
            guard !matches.isEmpty else {
                Console.err("ewscheck: \(report.runID) has no check \(check)")
                throw ExitCode(ExitStatus.usage)
            }
            let evidence = Dictionary(report.evidence.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
            for r in matches {
                Console.out("\(r.outcome.label) \(r.displayName) — \(r.message)")
                Console.out("  requirement: \(r.requirement)")
                for (k, v) in r.facts.sorted(by: { $0.key < $1.key }) { Console.out("  \(k): \(v)") }
                for id in r.evidence { if let x = evidence[id] { Console.out(EvidenceExcerpt.text(x)) } }
                Console.out("")
            }
        }
    }

    struct Render: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write one format of a run's report again.")
        enum Format: String, ExpressibleByArgument, CaseIterable { case html, junit, ctrf, md, json }
        @OptionGroup var location: Location
        @Argument(help: "The run.") var run: String
        @Option(name: .customLong("format"), help: "html, junit, ctrf, md or json.") var format: Format
        @Option(name: .customLong("output"), help: "File to write (default: standard output).") var output: String?

        func run() async throws {
            let report = try location.load(run)
            let data: Data
            switch format {
            case .html: data = Data(HTMLReportWriter.render(report).utf8)
            case .junit: data = Data(JUnitReportWriter.render(report).utf8)
            case .md: data = Data(MarkdownSummaryWriter.render(report).utf8)
            case .ctrf: data = try CTRFReportWriter.encode(report)
            case .json: data = try JSONReportWriter.encode(report)
            }
            try ReportCommand.emit(data, to: output)
        }
    }

    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Regressions, fixes, new and removed checks between two runs; exit 1 on a regression.")
        @OptionGroup var location: Location
        @Argument(help: "The earlier run.") var before: String
        @Argument(help: "The later run.") var after: String

        func run() async throws {
            let diff = ReportDiff(try location.load(before), try location.load(after))
            Console.out(diff.text)
            if !diff.regressions.isEmpty { throw ExitCode(ExitStatus.checkFailed) }
        }
    }

    struct Compare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "A check × run matrix of several runs (providers side by side), as Markdown and HTML.")
        @OptionGroup var location: Location
        @Argument(help: "Two or more runs.") var runs: [String]
        @Option(name: .customLong("output"), help: "Folder for comparison.md and comparison.html (default: Markdown to standard output).") var output: String?

        func validate() throws {
            if runs.count < 2 { throw ValidationError("compare needs at least two runs") }
        }

        func run() async throws {
            let comparison = ReportComparison(try runs.map(location.load))
            guard let output else { Console.out(comparison.markdown); return }
            try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            try Data(comparison.markdown.utf8).write(to: URL(fileURLWithPath: output + "/comparison.md"), options: .atomic)
            try Data(comparison.html.utf8).write(to: URL(fileURLWithPath: output + "/comparison.html"), options: .atomic)
            Console.out("wrote \(output)/comparison.md and \(output)/comparison.html")
        }
    }

    struct Merge: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Merge the shard runs of one certification into one run, every format written again.")
        @OptionGroup var location: Location
        @Argument(help: "The shard runs.") var runs: [String]
        @Option(name: .customLong("into"), help: "The merged run's id (written under --reports-dir).") var into: String

        func validate() throws {
            if runs.isEmpty { throw ValidationError("merge needs at least one run") }
            if into.isEmpty || into.contains("/") || into.hasPrefix(".") || into == "latest" {
                throw ValidationError("--into must be a plain run id (not 'latest')")
            }
        }

        func run() async throws {
            let reports = try runs.map(location.load)
            let merged: RunReport
            do {
                merged = try ReportMerge.merge(reports, into: into)
            } catch {
                Console.err("ewscheck: cannot merge: \(error)")
                throw ExitCode(ExitStatus.usage)
            }
            let written = try ReportStore(root: location.reportsDirectory).write(merged)
            Console.out(ConsoleReport.summary(merged, written: written))
            throw ExitCode(Int32(merged.exitCode))
        }
    }

    static func emit(_ data: Data, to output: String?) throws {
        if let output {
            try data.write(to: URL(fileURLWithPath: output), options: .atomic)
        } else {
            Console.outBytes(data)
        }
    }
}
