import ArgumentParser
import EWSSimulator

/// How the built-in simulator behaves, shared by `demo` and `simulate`.
struct SimulatorBehaviourOptions: ParsableArguments {
    @Option(name: .customLong("schema-dir"), help: "EWS schema folder the simulator validates requests against (default: ../shared/ews-schemas/v2017 if present, or $EWSCHECK_SCHEMA_DIR).")
    var schemaDirectory: String?

    @Option(name: .customLong("quirk"), help: ArgumentHelp("Make the simulator deviate from Exchange like a broken hoster (repeatable): \(SimulatorQuirk.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "quirk"))
    var quirks: [String] = []

    func validate() throws {
        for q in quirks where SimulatorQuirk(rawValue: q) == nil {
            throw ValidationError("unknown --quirk '\(q)'; known: \(SimulatorQuirk.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// Sets the schema folder (or the default one) and the quirks.
    func apply(to configuration: inout SimulatorConfiguration) {
        configuration.schemaDirectory = schemaDirectory ?? SimulatorStateFiles.defaultSchemaDirectory()
        configuration.quirks = Set(quirks.compactMap(SimulatorQuirk.init(rawValue:)))
    }
}
