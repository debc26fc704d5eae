import ArgumentParser
import Conformance
import Reports
import EWSTransport
import Foundation

/// `ewscheck run`: the suite against a real (or simulated) target.
struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the conformance suite against a target file.",
        discussion: """
            The target file (YAML) names the EWS URL, the service account and where its password comes from             (password_env or password_file), the mailboxes to certify and the negative controls. See examples/target.yaml.

            Examples:
              ewscheck run --target contoso.yaml
              ewscheck run --target contoso.yaml --profile exchange-online --must-fail-auth
              ewscheck run --target contoso.yaml --run-id nightly --junit-xml junit.xml --html report.html
              ewscheck run --target contoso.yaml --evidence all --quiet
              ewscheck run --target prod.yaml --read-only --only 'impersonation.*' --mailbox agent1@contoso.com
              ewscheck run --target contoso.yaml --skip tag:must-fail --fail-fast
              ewscheck run --target tenant.yaml --sample 50 --seed 7          # a quick pass over a big tenant
              ewscheck run --target tenant.yaml --shard 2/4 --run-id nightly-2 # one CI worker of four
              ewscheck run --target tenant.yaml --deadline 2h                 # stop starting checks after two hours
              ewscheck run --list-checks --json
            """)

    @Option(name: .customLong("target"), help: "The target file (YAML).")
    var target: String?

    @Flag(name: .customLong("list-checks"), help: "Print every check with its requirement, level, tags and dependencies, then exit (with --json: as JSON; with --markdown: the README table).")
    var listChecks = false

    @Flag(name: .customLong("markdown"), help: "With --list-checks: print the Markdown table the README carries.")
    var markdown = false

    @OptionGroup var reports: ReportOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var profileSelection: ProfileSelection
    @OptionGroup var authChecks: AuthCheckOptions
    @OptionGroup var selection: SelectionOptions
    @OptionGroup var scale: MailboxScaleOptions
    @OptionGroup var width: ConcurrencyOptions

    @Option(name: .customLong("deadline"), help: ArgumentHelp("When the run stops starting checks: a duration from now (90s, 30m, 2h, 1h30m) or an ISO 8601 time (2026-12-05T06:35:00Z). Checks under way finish, the rest are skipped, created items are cleaned up, reports are written, exit 2. The overall limit (--overall-timeout) still applies.", valueName: "duration|time"))
    var deadline: String?

    @Option(name: .customLong("resume"), help: ArgumentHelp("Continue run RUN-ID, which was interrupted or killed: the mailboxes it finished (from <reports-dir>/RUN-ID/results.jsonl) are carried over, the others certified now, the run-wide checks run again; one report for both. Give the same target.", valueName: "RUN-ID"))
    var resume: String?

    func validate() throws {
        if !listChecks && target == nil { throw ValidationError("--target is required (or --list-checks)") }
        if markdown && !listChecks { throw ValidationError("--markdown goes with --list-checks") }
        if let deadline {
            do { _ = try RunDeadline.parse(deadline) } catch { throw ValidationError(error.message) }
        }
    }

    func run() async throws {
        if listChecks {
            if reports.json {
                Console.outBytes(try CheckRegistry.listingJSON() + Data("\n".utf8))
            } else {
                let text = markdown ? CheckRegistry.markdownTable() : CheckRegistry.listing()
                Console.out(text.hasSuffix("\n") ? String(text.dropLast()) : text)
            }
            return
        }
        guard let target else { throw ExitCode(ExitStatus.usage) }
        // A duration counts from now (validate() already refused what cannot be read).
        var stopAt: Date?
        if let deadline {
            do { stopAt = try RunDeadline.parse(deadline) } catch {
                Console.err("ewscheck: \(error.message)")
                throw ExitCode(ExitStatus.usage)
            }
        }
        var configuration: TargetConfiguration
        var warnings: [String] = []
        let credentials: HTTPCredentials
        do {
            configuration = try TargetConfiguration.load(path: target)
            connection.apply(to: &configuration)
            authChecks.apply(to: &configuration)
            try selection.apply(to: &configuration)
            warnings += scale.apply(to: &configuration)
            warnings += width.apply(to: &configuration)
            credentials = try configuration.credentials(warnings: &warnings)
        } catch {
            Console.err("ewscheck: \(error.message)")
            throw ExitCode(ExitStatus.usage)
        }
        let profile = try await profileSelection.resolve()
        // A target whose scheme the profile refuses cannot be certified against it: said before
        // anything is sent.
        if let profile, let mismatch = profile.refusedScheme(of: configuration) {
            Console.err("ewscheck: \(mismatch)")
            throw ExitCode(ExitStatus.usage)
        }
        // Pre-flight: everything that can be checked without touching the provider (exit 64, nothing sent).
        let preflightWarnings = try Preflight(target: configuration, reportsDirectory: reports.reportsDirectory, runID: reports.runID,
                                              overwrite: reports.overwrite, profileHeaders: profile?.extraHeaders ?? []).enforce()
        configuration = await DiscoverStep.resolve(configuration, credentials: credentials, profile: profile)
        var resumption: RunResumption?
        if let resume {
            do {
                let prepared = try RunResumption.prepare(runID: resume, reportsDirectory: reports.reportsDirectory,
                                                         ewsURL: configuration.ewsURL, mailboxes: configuration.mailboxes)
                configuration.keepOnly(mailboxes: prepared.remaining)
                resumption = prepared
            } catch {
                Console.err("ewscheck: \(error)")
                throw ExitCode(ExitStatus.usage)
            }
        }
        let code = await RunDriver.execute(target: configuration, credentials: credentials, reports: reports,
                                           warnings: warnings + preflightWarnings, profile: profile, selection: selection.selection, shard: scale.shard,
                                           deadline: stopAt, resumption: resumption)
        throw ExitCode(code)
    }
}
