import ArgumentParser
import Conformance

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
            """)

    @Option(name: .customLong("target"), help: "The target file (YAML).")
    var target: String

    @OptionGroup var reports: ReportOptions
    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var profileSelection: ProfileSelection
    @OptionGroup var authChecks: AuthCheckOptions

    func run() async throws {
        var configuration: TargetConfiguration
        var warnings: [String] = []
        let credentials: HTTPCredentialsBox
        do {
            configuration = try TargetConfiguration.load(path: target)
            connection.apply(to: &configuration)
            authChecks.apply(to: &configuration)
            credentials = HTTPCredentialsBox(try configuration.credentials(warnings: &warnings))
        } catch {
            Console.err("ewscheck: \(error.message)")
            throw ExitCode(ExitStatus.usage)
        }
        let profile = try await profileSelection.resolve()
        // Pre-flight: everything that can be checked without touching the provider (exit 64, nothing sent).
        let preflightWarnings = try Preflight(target: configuration, reportsDirectory: reports.reportsDirectory, runID: reports.runID,
                                              overwrite: reports.overwrite, profileHeaders: profile?.extraHeaders ?? []).enforce()
        configuration = await DiscoverStep.resolve(configuration, credentials: credentials.value, profile: profile)
        let code = await RunDriver.execute(target: configuration, credentials: credentials.value, reports: reports,
                                           warnings: warnings + preflightWarnings, profile: profile)
        throw ExitCode(code)
    }
}
