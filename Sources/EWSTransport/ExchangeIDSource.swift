private import EWSExecutor
import Synchronization

/// The one source of exchange ids of a run: every transport of the run (probes, Autodiscover,
/// SRV hops, the token request, must-fail probes) draws from it, so an id names one exchange.
package final class ExchangeIDSource: Sendable {
    private let next: Mutex<Int>

    /// Creates a source whose first id is `first`.
    package init(first: Int = 1) { next = Mutex(first) }

    /// A new id, never handed out before by this source.
    package func take() -> Int {
        next.locked { value in
            defer { value += 1 }
            return value
        }
    }
}
