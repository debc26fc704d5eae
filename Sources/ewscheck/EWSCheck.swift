import ArgumentParser
import Conformance

@main
struct EWSCheck: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "ewscheck",
        abstract: "Certify that an Exchange provider can serve a contact-center product over EWS with impersonation.",
        discussion: """
            Exit codes: 0 every check passed; 1 a check failed (the provider does not conform); \
            2 the run could not complete or a check errored (the harness could not tell); \
            64 bad command line or target file; 130 interrupted (created items were still removed).
            """,
        version: version,
        subcommands: [Run.self, Discover.self, Demo.self, Simulate.self, Plugins.self])
}
