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

    @Option(name: .customLong("throttling"), help: ArgumentHelp("Exchange's throttling policy in the simulator: on or off (default: on for the exchange-online flavor, off for the others). See docs/simulator.md.", valueName: "on|off"))
    var throttling: String?

    @Option(name: .customLong("ews-max-concurrency"), help: ArgumentHelp("Throttling: EWS requests in flight per budget (EWSMaxConcurrency, default 27); more get ErrorExceededConnectionCount.", valueName: "N"))
    var maxConcurrency: Int?

    @Option(name: .customLong("budget-holder"), help: ArgumentHelp("Throttling: whose budget an impersonating request is charged to: target-mailbox (Exchange 2010 SP2 RU4+ and Online, default) or caller.", valueName: "holder"))
    var budgetHolder: String?

    @Option(name: .customLong("cpu-budget-ms"), help: ArgumentHelp("Throttling: CPU time one budget holds when full (default 10000; 0: no CPU budget); spent, requests get ErrorServerBusy with BackOffMilliseconds.", valueName: "ms"))
    var cpuBudget: Int?

    @Option(name: .customLong("cpu-window-ms"), help: ArgumentHelp("Throttling: how long an empty CPU budget takes to fill again (default 60000).", valueName: "ms"))
    var cpuWindow: Int?

    @Option(name: .customLong("cpu-charge-ms"), help: ArgumentHelp("Throttling: CPU time charged per EWS request (default 25).", valueName: "ms"))
    var cpuCharge: Int?

    @Option(name: .customLong("server-max-in-flight"), help: ArgumentHelp("Throttling: EWS requests in flight on the whole server (default 64; 0: no limit); more get HTTP 503 with Retry-After.", valueName: "N"))
    var serverMaxInFlight: Int?

    @Option(name: .customLong("overload-retry-after"), help: ArgumentHelp("Throttling: the Retry-After of the overload answer (default 1).", valueName: "seconds"))
    var overloadRetryAfter: Int?

    @Option(name: .customLong("ews-max-subscriptions"), help: ArgumentHelp("Throttling: live subscriptions per mailbox (EWSMaxSubscriptions, default 20); more get ErrorExceededSubscriptionCount.", valueName: "N"))
    var maxSubscriptions: Int?

    /// Whether any number of the throttling policy was given.
    private var tunesThrottling: Bool {
        [maxConcurrency, cpuBudget, cpuWindow, cpuCharge, serverMaxInFlight, overloadRetryAfter, maxSubscriptions].contains { $0 != nil } || budgetHolder != nil
    }

    func validate() throws {
        if let throttling, !["on", "off"].contains(throttling) { throw ValidationError("--throttling takes on or off, not '\(throttling)'") }
        if throttling == "off" && tunesThrottling { throw ValidationError("--throttling off leaves no policy for the throttling numbers given; drop one or the other") }
        if let budgetHolder, SimulatedThrottlingPolicy.BudgetHolder(rawValue: budgetHolder) == nil {
            throw ValidationError("--budget-holder takes \(SimulatedThrottlingPolicy.BudgetHolder.allCases.map(\.rawValue).joined(separator: " or ")), not '\(budgetHolder)'")
        }
        for (name, value, range) in [("--ews-max-concurrency", maxConcurrency, 1...10_000), ("--cpu-budget-ms", cpuBudget, 0...100_000_000),
                                     ("--cpu-window-ms", cpuWindow, 1...86_400_000), ("--cpu-charge-ms", cpuCharge, 0...600_000),
                                     ("--server-max-in-flight", serverMaxInFlight, 0...100_000), ("--overload-retry-after", overloadRetryAfter, 0...600),
                                     ("--ews-max-subscriptions", maxSubscriptions, 0...100_000)] {
            if let value, !range.contains(value) { throw ValidationError("\(name) must be \(range.lowerBound)...\(range.upperBound), not \(value)") }
        }
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
        if let throttling { configuration.throttlingPolicyEnabled = throttling == "on" }
        if tunesThrottling {
            var policy = configuration.throttlingPolicy ?? SimulatedThrottlingPolicy()
            if let maxConcurrency { policy.maxConcurrency = maxConcurrency }
            if let holder = budgetHolder.flatMap(SimulatedThrottlingPolicy.BudgetHolder.init(rawValue:)) { policy.budgetHolder = holder }
            if let cpuBudget { policy.cpuBudgetMilliseconds = cpuBudget }
            if let cpuWindow { policy.cpuWindowMilliseconds = cpuWindow }
            if let cpuCharge { policy.cpuChargeMilliseconds = cpuCharge }
            if let serverMaxInFlight { policy.serverMaxInFlight = serverMaxInFlight }
            if let overloadRetryAfter { policy.retryAfterSeconds = overloadRetryAfter }
            if let maxSubscriptions { policy.maxSubscriptions = maxSubscriptions }
            configuration.throttlingPolicy = policy
        }
        if let mailboxCount { configuration.mailboxesInScope = SimulatorConfiguration.generatedMailboxes(count: mailboxCount) }
    }
}
