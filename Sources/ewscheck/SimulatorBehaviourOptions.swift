import ArgumentParser
import EWSSimulator

/// How the built-in simulator behaves, shared by `demo` and `simulate`.
struct SimulatorBehaviourOptions: ParsableArguments {
    @Option(name: .customLong("schema-dir"), help: "EWS schema folder the simulator validates requests against (default: ../shared/ews-schemas/v2017 if present, or $EWSCHECK_SCHEMA_DIR).")
    var schemaDirectory: String?

    @Option(name: .customLong("quirk"), help: ArgumentHelp("Make the simulator deviate from Exchange like a broken hoster (repeatable): \(SimulatorQuirk.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "quirk"))
    var quirks: [String] = []

    @Option(name: .customLong("mailboxes"), help: ArgumentHelp("Simulate a tenant of N in-scope mailboxes (alice, bob, carol, dave, user0005, …) besides the negative controls; the target file then reads them from mailboxes.csv in the state folder.", valueName: "N"))
    var mailboxCount: Int?

    func validate() throws {
        if let mailboxCount, !(1...100_000).contains(mailboxCount) { throw ValidationError("--mailboxes must be 1...100000") }
        for q in quirks where SimulatorQuirk(rawValue: q) == nil {
            throw ValidationError("unknown --quirk '\(q)'; known: \(SimulatorQuirk.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// Sets the schema folder (or the default one) and the quirks.
    func apply(to configuration: inout SimulatorConfiguration) {
        configuration.schemaDirectory = schemaDirectory ?? SimulatorStateFiles.defaultSchemaDirectory()
        configuration.quirks = Set(quirks.compactMap(SimulatorQuirk.init(rawValue:)))
        if let mailboxCount { configuration.mailboxesInScope = SimulatorConfiguration.generatedMailboxes(count: mailboxCount) }
    }
}
