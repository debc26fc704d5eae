import ArgumentParser
import EWSSimulator

/// How the built-in simulator behaves, shared by `demo` and `simulate`.
struct SimulatorBehaviourOptions: ParsableArguments {
    @Option(name: .customLong("schema-dir"), help: "EWS schema folder the simulator validates requests against (default: ../shared/ews-schemas/v2017 if present, or $EWSCHECK_SCHEMA_DIR).")
    var schemaDirectory: String?

    @Flag(name: .customLong("no-request-validation"), help: "Serve the EWS schemas but do not validate requests against them (for benchmarks: a request Exchange would refuse with ErrorSchemaValidation is then served).")
    var noRequestValidation = false

    @Option(name: .customLong("quirk"), help: ArgumentHelp("Make the simulator deviate from Exchange like a broken hoster (repeatable): \(SimulatorQuirk.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "quirk"))
    var quirks: [String] = []

    @Option(name: .customLong("mailboxes"), help: ArgumentHelp("Simulate a tenant of N in-scope mailboxes (alice, bob, carol, dave, user0005, …) besides the negative controls; the target file then reads them from mailboxes.csv in the state folder.", valueName: "N"))
    var mailboxCount: Int?

    @Option(name: .customLong("throttle-every"), help: ArgumentHelp("Throttle every N-th EWS request: an ErrorServerBusy fault with BackOffMilliseconds (--throttle-back-off-ms), or HTTP 503 with Retry-After (--throttle-retry-after).", valueName: "N"))
    var throttleEvery: Int?

    @Option(name: .customLong("throttle-back-off-ms"), help: ArgumentHelp("The BackOffMilliseconds of --throttle-every's ErrorServerBusy (default 100).", valueName: "ms"))
    var throttleBackOff: Int?

    @Option(name: .customLong("throttle-retry-after"), help: ArgumentHelp("Answer --throttle-every's requests with HTTP 503 and this Retry-After instead.", valueName: "seconds"))
    var throttleRetryAfter: Int?

    func validate() throws {
        if let throttleEvery, throttleEvery < 1 { throw ValidationError("--throttle-every must be 1 or more") }
        if (throttleBackOff != nil || throttleRetryAfter != nil) && throttleEvery == nil { throw ValidationError("--throttle-back-off-ms and --throttle-retry-after go with --throttle-every") }
        if throttleBackOff != nil && throttleRetryAfter != nil { throw ValidationError("--throttle-back-off-ms and --throttle-retry-after are two answers; keep one") }
        if let v = throttleBackOff, !(0...600_000).contains(v) { throw ValidationError("--throttle-back-off-ms must be 0...600000") }
        if let v = throttleRetryAfter, !(0...600).contains(v) { throw ValidationError("--throttle-retry-after must be 0...600") }
        if let mailboxCount, !(1...100_000).contains(mailboxCount) { throw ValidationError("--mailboxes must be 1...100000") }
        for q in quirks where SimulatorQuirk(rawValue: q) == nil {
            throw ValidationError("unknown --quirk '\(q)'; known: \(SimulatorQuirk.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    /// Sets the schema folder (or the default one) and the quirks.
    func apply(to configuration: inout SimulatorConfiguration) {
        configuration.schemaDirectory = schemaDirectory ?? SimulatorStateFiles.defaultSchemaDirectory()
        configuration.validatesRequests = !noRequestValidation
        configuration.quirks = Set(quirks.compactMap(SimulatorQuirk.init(rawValue:)))
        if let throttleEvery {
            configuration.throttling = SimulatedThrottling(every: throttleEvery, answer: throttleRetryAfter.map { .retryAfter(seconds: $0) }
                                                              ?? .serverBusy(backOffMilliseconds: throttleBackOff ?? 100))
        }
        if let mailboxCount { configuration.mailboxesInScope = SimulatorConfiguration.generatedMailboxes(count: mailboxCount) }
    }
}
