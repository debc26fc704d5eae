import EWSExecutor
import Foundation
import Synchronization

/// The run's one limit on EWS requests in flight, which adapts to the provider: an
/// `ErrorExceededConnectionCount` answer halves it (the provider's EWSMaxConcurrency is lower than
/// the width the run started with), and each run of successes as long as the width itself lets it
/// creep back up by one, never above the configured ``maximum``; at and above the width that was
/// last refused it creeps eight times slower (the provider's limit is likely there, so probing it
/// costs refusals). Every lowering is kept, with the exchange whose answer caused it.
///
/// Many requests in flight at once may all be refused by the same over-full budget; only the first
/// answer of a width lowers it (each ticket carries the width's generation), so one burst of
/// refusals halves the width once, not once per request.
package final class AdaptiveConcurrency: Sendable {
    /// One lowering of the width.
    package struct Lowering: Sendable, Hashable, Codable, CustomStringConvertible {
        /// The width before.
        package var from: Int
        /// The width after.
        package var to: Int
        /// What caused it (`ErrorExceededConnectionCount`).
        package var reason: String
        /// The exchange whose answer caused it.
        package var exchangeID: Int?
        /// When.
        package var at: Date

        package var description: String {
            "\(from) → \(to) after \(reason)" + (exchangeID.map { " (exchange #\($0))" } ?? "")
        }
    }

    /// A slot held by one request.
    package struct Ticket: Sendable {
        /// The width's generation when the slot was taken.
        fileprivate let generation: Int
        /// Whether a slot was taken (false when the waiting task was cancelled).
        fileprivate let held: Bool
    }

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Ticket, Never>
    }

    private struct State {
        var width: Int
        var lowest: Int
        var inFlight = 0
        var generation = 0
        var successes = 0
        var waiters: [Waiter] = []
        var nextWaiter = 0
        var cancelled: Set<Int> = []
        var lowerings: [Lowering] = []
        /// The width of the last lowering: the provider refused at it.
        var refusedAt: Int?
    }

    /// The configured width: the limit never rises above it.
    package let maximum: Int
    private let state: Mutex<State>

    /// Creates a limiter that starts at, and never exceeds, `width` (at least 1).
    package init(width: Int) {
        maximum = max(1, width)
        state = Mutex(State(width: max(1, width), lowest: max(1, width)))
    }

    /// The width now.
    package var width: Int { state.locked { $0.width } }
    /// The lowest width the run came down to.
    package var lowest: Int { state.locked { $0.lowest } }
    /// Requests in flight now.
    package var inFlight: Int { state.locked { $0.inFlight } }
    /// Every lowering so far, in order.
    package var lowerings: [Lowering] { state.locked { $0.lowerings } }

    /// Waits for a slot (requests beyond the width wait their turn, in order). A cancelled waiter
    /// returns at once with a ticket that holds nothing.
    package func acquire() async -> Ticket {
        let id: Int = state.locked { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Ticket, Never>) in
                let granted: Ticket? = state.locked { state in
                    if state.cancelled.remove(id) != nil { return Ticket(generation: state.generation, held: false) }
                    if state.inFlight < state.width, state.waiters.isEmpty {
                        state.inFlight += 1
                        return Ticket(generation: state.generation, held: true)
                    }
                    // Queued: resumed by a release (held) or by the cancellation handler (not held).
                    state.waiters.append(Waiter(id: id, continuation: continuation))
                    return nil
                }
                if let granted { continuation.resume(returning: granted) }
            }
        } onCancel: {
            let waiter: Waiter? = state.locked { state in
                if let index = state.waiters.firstIndex(where: { $0.id == id }) { return state.waiters.remove(at: index) }
                state.cancelled.insert(id)
                return nil
            }
            waiter?.continuation.resume(returning: Ticket(generation: 0, held: false))
        }
    }

    /// Gives a slot back; `succeeded` (an answer that was no throttling answer) counts toward
    /// raising the width again.
    package func release(_ ticket: Ticket, succeeded: Bool) {
        guard ticket.held else { return }
        let woken: [(CheckedContinuation<Ticket, Never>, Ticket)] = state.locked { state in
            state.inFlight -= 1
            if succeeded {
                state.successes += 1
                let slow = state.refusedAt.map { state.width + 1 >= $0 } ?? false
                if state.width < maximum, state.successes >= state.width * (slow ? 8 : 1) {
                    state.width += 1
                    state.successes = 0
                }
            }
            return Self.admit(&state)
        }
        for (continuation, granted) in woken { continuation.resume(returning: granted) }
    }

    /// Halves the width after an `ErrorExceededConnectionCount` answer to a request sent under the
    /// current width; nil when an earlier answer of the same width already lowered it (or it is 1).
    package func lower(_ ticket: Ticket, reason: String, exchangeID: Int?) -> Lowering? {
        state.locked { state in
            guard ticket.held, ticket.generation == state.generation, state.width > 1 else { return nil }
            let lowering = Lowering(from: state.width, to: max(1, state.width / 2), reason: reason, exchangeID: exchangeID, at: Date())
            state.refusedAt = lowering.from
            state.width = lowering.to
            state.lowest = min(state.lowest, state.width)
            state.generation += 1
            state.successes = 0
            state.lowerings.append(lowering)
            return lowering
        }
    }

    /// The waiters that fit under the width now, taken off the queue with their slots counted.
    private static func admit(_ state: inout State) -> [(CheckedContinuation<Ticket, Never>, Ticket)] {
        var woken: [(CheckedContinuation<Ticket, Never>, Ticket)] = []
        while state.inFlight < state.width, !state.waiters.isEmpty {
            state.inFlight += 1
            woken.append((state.waiters.removeFirst().continuation, Ticket(generation: state.generation, held: true)))
        }
        return woken
    }
}
