private import EWSExecutor
import Foundation
import Synchronization

/// A provider that throttles: every `every`-th EWS request (counted across the whole simulator) is
/// answered with a throttling answer instead of being run, the way Exchange answers when a
/// budget is spent. The request log records each such answer (status, `ErrorServerBusy`, and
/// `throttle` = `every-n`). Tests use it for a throttling rhythm they can count on; the policy modelled
/// on Exchange's is ``SimulatedThrottlingPolicy``.
package struct SimulatedThrottling: Sendable, Hashable {
    /// The throttling answer.
    package enum Answer: Sendable, Hashable {
        /// HTTP 500 with an `ErrorServerBusy` SOAP fault carrying `BackOffMilliseconds`.
        case serverBusy(backOffMilliseconds: Int)
        /// HTTP 503 with `Retry-After: <seconds>`.
        case retryAfter(seconds: Int)
    }

    /// Which EWS requests get the answer: every n-th (1: all of them).
    package var every: Int
    /// The answer.
    package var answer: Answer

    /// Creates a throttling behaviour.
    package init(every: Int, answer: Answer) {
        self.every = max(1, every)
        self.answer = answer
    }

    /// Counts the EWS requests and says which to throttle.
    final class Gate: Sendable {
        let settings: SimulatedThrottling
        private struct State {
            var count = 0
            /// Requests answered with a throttling answer whose retry has not come yet.
            var waiting: Set<[UInt8]> = []
        }
        private let state = Mutex(State())

        init(_ settings: SimulatedThrottling) { self.settings = settings }

        /// The throttling answer for this request, or nil to serve it. A retry of a request that
        /// was just throttled is served: the client honoured the back-off, as Exchange's budget
        /// expects (a strict every-n-th count would otherwise starve one client when n-1 others
        /// keep step with it).
        func answer(for body: [UInt8] = []) -> SimulatedResponse? {
            let throttle = state.locked { state -> Bool in
                if !body.isEmpty, state.waiting.remove(body) != nil { return false }
                state.count += 1
                guard state.count % settings.every == 0 else { return false }
                if !body.isEmpty { state.waiting.insert(body) }
                return true
            }
            guard throttle else { return nil }
            switch settings.answer {
            case .retryAfter(let seconds): return ThrottlingGovernor.overloaded(retryAfter: seconds)
            case .serverBusy(let ms): return ThrottlingGovernor.serverBusy(backOffMilliseconds: ms)
            }
        }
    }
}
