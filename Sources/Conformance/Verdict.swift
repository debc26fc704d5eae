import EWSTransport

/// What a check decided.
struct Verdict: Sendable {
    var outcome: Outcome
    var message: String
    var exchanges: [HTTPExchange] = []
    /// Ids of further exchanges it cites that are already in the run's evidence spool (see
    /// ``CitedExchanges``).
    var spooled: [Int] = []
    var facts: [String: String] = [:]
    /// Skipped because the run stopped (interrupted, its deadline passed, `--fail-fast`), not for
    /// anything about the provider: `run --resume` runs such a check again.
    var stoppedByRun = false

    static func passed(_ m: String, _ x: [HTTPExchange?] = [], facts: [String: String] = [:]) -> Verdict {
        Verdict(outcome: .passed, message: m, exchanges: x.compactMap { $0 }, facts: facts)
    }
    static func failed(_ m: String, _ x: [HTTPExchange?] = [], facts: [String: String] = [:]) -> Verdict {
        Verdict(outcome: .failed, message: m, exchanges: x.compactMap { $0 }, facts: facts)
    }
    static func errored(_ m: String, _ x: [HTTPExchange?] = []) -> Verdict {
        Verdict(outcome: .errored, message: m, exchanges: x.compactMap { $0 })
    }
    static func skipped(_ m: String) -> Verdict { Verdict(outcome: .skipped, message: m) }
    /// Skipped because the run stopped before the check could run.
    static func stopped(_ m: String) -> Verdict { Verdict(outcome: .skipped, message: m, stoppedByRun: true) }
}
