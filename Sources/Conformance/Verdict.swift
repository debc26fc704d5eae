import EWSTransport

/// What a check decided.
struct Verdict: Sendable {
    var outcome: Outcome
    var message: String
    var exchanges: [HTTPExchange] = []
    var facts: [String: String] = [:]

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
}
