import ArgumentParser
import Conformance
import EWSTransport
import Foundation

/// `ewscheck cleanup`: removes what killed runs left in the mailboxes, found by run tag.
struct Cleanup: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find and remove items that interrupted or killed runs left in the target's mailboxes.",
        discussion: """
            Every item a run creates carries a run tag (a named extended property holding the run id, and \
            "[ewscheck RUN-ID]" in its subject). This command searches each mailbox of the target for tagged \
            items, confirms each tag with GetItem before touching the item, deletes the confirmed ones and \
            proves each removal (GetItem must answer ErrorItemNotFound). Items without the tag are never touched.

            Examples:
              ewscheck cleanup --target target.yaml --run 20261203T101500Z-3f9a
              ewscheck cleanup --target target.yaml --older-than 2h
              ewscheck cleanup --target target.yaml --all-runs --dry-run

            Exit codes: 0 nothing tagged is left; 1 tagged items could not be removed; 2 a mailbox could not \
            be searched; 64 bad command line or target file.
            """)

    @Option(name: .customLong("target"), help: "The target file (YAML) whose mailboxes are searched.")
    var target: String

    @Option(name: .customLong("run"), help: "Remove only the items of this run id.")
    var runID: String?

    @Option(name: .customLong("older-than"), help: ArgumentHelp("Remove the items of runs that started longer ago than this (30m, 2h, 7d).", valueName: "duration"))
    var olderThan: String?

    @Flag(name: .customLong("all-runs"), help: "Remove the items of every run.")
    var allRuns = false

    @Option(name: .customLong("folder"), help: "Distinguished folder to search (repeatable; default: inbox).")
    var folders: [String] = []

    @Option(name: .customLong("mailbox"), help: "Only this mailbox of the target (repeatable).")
    var mailboxes: [String] = []

    @Flag(name: .customLong("dry-run"), help: "Find and confirm tagged items, delete nothing.")
    var dryRun = false

    @Flag(name: .customLong("json"), help: "Print what was found and removed as JSON.")
    var json = false

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var profileSelection: ProfileSelection

    func validate() throws {
        let chosen = [runID != nil, olderThan != nil, allRuns].filter { $0 }.count
        guard chosen == 1 else { throw ValidationError("say which leftovers to remove: exactly one of --run ID, --older-than DURATION or --all-runs") }
        if let olderThan, Self.seconds(olderThan) == nil {
            throw ValidationError("--older-than '\(olderThan)' is not a duration like 30m, 2h or 7d")
        }
        if let runID, runID.isEmpty || runID.contains("/") || runID.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) {
            throw ValidationError("--run '\(runID)' is not a run id")
        }
    }

    /// `90s`, `30m`, `2h`, `7d` in seconds.
    static func seconds(_ text: String) -> TimeInterval? {
        guard let unit = text.last, let value = Double(text.dropLast()), value >= 0 else { return nil }
        switch unit {
        case "s": return value
        case "m": return value * 60
        case "h": return value * 3600
        case "d": return value * 86400
        default: return nil
        }
    }

    func run() async throws {
        var configuration: TargetConfiguration
        var warnings: [String] = []
        let credentials: HTTPCredentials
        do {
            configuration = try TargetConfiguration.load(path: target)
            connection.apply(to: &configuration)
            credentials = try configuration.credentials(warnings: &warnings)
        } catch {
            // Everything in the block throws TargetFileError (typed throws).
            Console.err("ewscheck: \(error.message)")
            throw ExitCode(ExitStatus.usage)
        }
        if !mailboxes.isEmpty {
            let unknown = mailboxes.filter { m in !configuration.mailboxes.contains { $0.caseInsensitiveCompare(m) == .orderedSame } }
            guard unknown.isEmpty else {
                Console.err("ewscheck: --mailbox \(unknown.joined(separator: ", ")) is not a mailbox of \(target)")
                throw ExitCode(ExitStatus.usage)
            }
            configuration.mailboxes = configuration.mailboxes.filter { m in mailboxes.contains { $0.caseInsensitiveCompare(m) == .orderedSame } }
        }
        for warning in warnings { Console.err("warning: \(warning)") }
        let profile = try await profileSelection.resolve()
        configuration = await DiscoverStep.resolve(configuration, credentials: credentials, profile: profile)
        let selection: LeftoverSweep.Selection
        if let runID { selection = .run(runID) }
        else if let olderThan, let seconds = Self.seconds(olderThan) { selection = .olderThan(Date().addingTimeInterval(-seconds)) }
        else { selection = .any }
        let cleanup = LeftoverCleanup(target: configuration, credentials: credentials, selection: selection,
                                      folders: folders.isEmpty ? ["inbox"] : folders, dryRun: dryRun, profile: profile)
        let quiet = json
        let report = await cleanup.run { m in
            guard !quiet else { return }
            var line = "\(m.mailbox): \(m.confirmed.count) tagged item(s)"
            if !m.confirmed.isEmpty { line += dryRun ? " found (dry run: nothing deleted)" : ", \(m.removed) removed" }
            if m.left > 0 { line += ", \(m.left) STILL THERE" }
            if m.rejectedByReadback > 0 { line += "; \(m.rejectedByReadback) filter match(es) without a matching tag left alone" }
            Console.out(line)
            for item in m.confirmed { Console.out("  \(item.removed ? "removed" : "found  ") [\(item.runID)] \(item.subject)") }
            for problem in m.problems { Console.out("  problem: \(problem)") }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.keyEncodingStrategy = .convertToSnakeCase
            Console.out(String(decoding: (try? encoder.encode(report)) ?? Data("{}".utf8), as: UTF8.self))
        } else {
            Console.out("cleanup of \(report.selection): \(report.confirmed) tagged item(s) in \(report.mailboxes.count) mailbox(es), "
                        + (dryRun ? "none deleted (dry run)" : "\(report.removed) removed, \(report.left) left")
                        + (report.hadProblems ? "; some mailboxes could not be searched (see problems)" : ""))
        }
        throw ExitCode(report.exitCode)
    }
}
