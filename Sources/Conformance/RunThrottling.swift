import EWSProtocol
import Foundation

/// How the provider throttled a run, as `report.json` records it (`throttling`): the width the run
/// asked for and what capped it, each lowering of the width after `ErrorExceededConnectionCount`,
/// and every wait the harness honoured, by reason.
package struct RunThrottling: Sendable, Codable, Hashable {
    /// The waits of one reason.
    package struct Waits: Sendable, Codable, Hashable {
        /// `ErrorServerBusy BackOffMilliseconds`, `HTTP 503 Retry-After` or `ErrorExceededConnectionCount`.
        package var reason: String
        /// How many.
        package var count: Int
        /// How long in all, in milliseconds.
        package var milliseconds: Int
    }

    /// The width asked for: `--concurrency`, else the target file's `concurrency` (default 4).
    package var configuredWidth: Int
    /// What capped it, when something did (the profile's `ews.max_concurrency`).
    package var cap: String?
    /// The width the run started with (the configured one, capped); it never rose above it.
    package var startWidth: Int
    /// The width when the run ended.
    package var finalWidth: Int
    /// The lowest width the run came down to.
    package var lowestWidth: Int
    /// Each lowering, in order.
    package var lowerings: [AdaptiveConcurrency.Lowering]
    /// Waits honoured in all.
    package var waits: Int
    /// Milliseconds waited in all.
    package var waitMilliseconds: Int
    /// The waits by reason.
    package var waitsByReason: [Waits]

    /// What a run's limiter and run-level log hold at its end.
    init(configuredWidth: Int, cap: String?, limiter: AdaptiveConcurrency, log: ThrottleLog) {
        self.configuredWidth = configuredWidth
        self.cap = cap
        startWidth = limiter.maximum
        finalWidth = limiter.width
        lowestWidth = limiter.lowest
        lowerings = limiter.lowerings
        let all = log.all
        waits = all.count
        waitMilliseconds = all.reduce(0) { $0 + $1.milliseconds }
        var byReason: [String: Waits] = [:]
        for wait in all {
            byReason[wait.reason, default: Waits(reason: wait.reason, count: 0, milliseconds: 0)].count += 1
            byReason[wait.reason]?.milliseconds += wait.milliseconds
        }
        waitsByReason = byReason.values.sorted { $0.reason < $1.reason }
    }

    /// One line for the console and summaries: `throttling: 12 back-offs (3400 ms); width 8 → 2 (lowest 2) after ErrorExceededConnectionCount ×2`.
    package var line: String {
        var text = "throttling: \(waits) back-off\(waits == 1 ? "" : "s") (\(waitMilliseconds) ms"
        if !waitsByReason.isEmpty { text += ": " + waitsByReason.map { "\($0.reason) ×\($0.count)" }.joined(separator: ", ") }
        text += "); width \(startWidth)"
        if lowerings.isEmpty { text += ", never lowered" } else {
            text += ", lowered \(lowerings.count)× (lowest \(lowestWidth), \(finalWidth) at the end)"
        }
        if let cap { text += "; \(cap)" }
        return text
    }
}
