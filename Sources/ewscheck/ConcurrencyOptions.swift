import ArgumentParser
import Conformance

/// How many EWS requests a run keeps in flight at once (`--concurrency`), shared by `run` and `demo`.
struct ConcurrencyOptions: ParsableArguments {
    @Option(name: .customLong("concurrency"), help: ArgumentHelp("EWS requests in flight at once, 1 to 64 (overrides the target file's concurrency, default 4); capped by the profile's ews.max_concurrency, and lowered during the run when the provider answers ErrorExceededConnectionCount.", valueName: "N"))
    var concurrency: Int?

    func validate() throws {
        if let concurrency, !(1...64).contains(concurrency) {
            throw ValidationError("--concurrency must be a whole number from 1 to 64 (EWS requests in flight at once; Exchange Online's EWSMaxConcurrency per budget is 27), not \(concurrency)")
        }
    }

    /// Sets the target's width; returns what was done, for the report's warnings.
    func apply(to target: inout TargetConfiguration) -> [String] {
        guard let concurrency, concurrency != target.concurrency else { return [] }
        let before = target.concurrency
        target.concurrency = concurrency
        return ["--concurrency \(concurrency) overrides the target file's concurrency (\(before))"]
    }
}
