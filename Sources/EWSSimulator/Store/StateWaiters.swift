private import EWSExecutor
import Synchronization

/// Tasks waiting for a condition on a piece of the simulator's state, each resumed as soon as a
/// change makes its condition true (or with false when its time runs out): the event tests wait on
/// instead of polling. The owner of the state calls ``changed(_:)`` after every change, with the state
/// as it is then, and only when ``isWaiting`` (so an idle simulator copies nothing).
final class StateWaiters<Value: Sendable>: Sendable {
    private struct Waiter {
        let condition: @Sendable (Value) -> Bool
        let continuation: CheckedContinuation<Bool, Never>
        /// The timer that answers false; cancelled when the condition is met first.
        var timer: Task<Void, Never>?

        func resume(_ met: Bool) {
            if met { timer?.cancel() }
            continuation.resume(returning: met)
        }
    }

    private struct State {
        var waiters: [Int: Waiter] = [:]
        var next = 0
    }

    private let state = Mutex(State())

    /// Creates an empty set of waiters.
    init() {}

    /// Whether any task waits (the owner reports changes only then).
    var isWaiting: Bool { state.locked { !$0.waiters.isEmpty } }

    /// How many tasks wait.
    var count: Int { state.locked { $0.waiters.count } }

    /// Waits until `condition` holds for the state `current` reads now or for one a later change
    /// reports: true, or false after `timeout`. The waiter is registered before `current` is read,
    /// so a change between the two cannot be missed.
    func wait(timeout: Duration, current: @Sendable () -> Value, until condition: @escaping @Sendable (Value) -> Bool) async -> Bool {
        let id: Int = state.locked { state in
            state.next += 1
            return state.next
        }
        return await withCheckedContinuation { continuation in
            state.locked { $0.waiters[id] = Waiter(condition: condition, continuation: continuation) }
            if condition(current()) {
                state.locked { $0.waiters.removeValue(forKey: id) }?.resume(true)
                return
            }
            let timer = Task { [self] in
                try? await Task.sleep(for: timeout)
                guard !Task.isCancelled else { return }
                state.locked { $0.waiters.removeValue(forKey: id) }?.resume(false)
            }
            // Answered already (a change came in between): the timer has nothing left to do.
            let waiting = state.locked { state in
                state.waiters[id]?.timer = timer
                return state.waiters[id] != nil
            }
            if !waiting { timer.cancel() }
        }
    }

    /// Resumes every waiter whose condition `value` (the state after a change) satisfies.
    func changed(_ value: Value) {
        let ready: [Waiter] = state.locked { state in
            let due = state.waiters.filter { $0.value.condition(value) }
            for key in due.keys { state.waiters[key] = nil }
            return Array(due.values)
        }
        for waiter in ready { waiter.resume(true) }
    }
}
