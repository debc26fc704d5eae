import ArgumentParser
import Conformance
import EWSTransport
import Foundation

@main
struct EWSCheck: AsyncParsableCommand {
    static let version = "0.1.0"

    /// SIGPIPE is ignored before anything runs: `ewscheck run … | head -1` must not kill a run that
    /// has items to clean up and reports to write.
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            HTTPTransport.waitForShutDownWorkers()
            exit(withError: error)
        }
        HTTPTransport.waitForShutDownWorkers()
    }

    static let configuration = CommandConfiguration(
        commandName: "ewscheck",
        abstract: "Certify that an Exchange provider can serve a contact-center product over EWS with impersonation.",
        discussion: """
            Exit codes: 0 every check passed; 1 a check failed (the provider does not conform); \
            2 the run could not complete or a check errored (the harness could not tell); \
            64 bad command line or target file; 130 interrupted (created items were still removed). `ewscheck cleanup` removes what a killed run left.
            """,
        version: BuildInfo.describe(version: version),
        subcommands: [Init.self, Run.self, Discover.self, Demo.self, Simulate.self, Cleanup.self, ReportCommand.self, Plugins.self])
}
