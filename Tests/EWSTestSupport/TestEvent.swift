import EWSExecutor
import Foundation
import Synchronization

/// A one-shot event tests wait on instead of sleeping: ``wait(timeout:)`` returns once ``signal()``
/// was called (`count` times, for an event that several parties must reach; at once if that already
/// happened), or when the bound passes.
package final class TestEvent: Sendable {
    private struct State {
        var remaining: Int
        var signaled = false
        var waiters: [UUID: CheckedContinuation<Bool, Never>] = [:]
        var expired: Set<UUID> = []
    }
    private let state: Mutex<State>

    /// A new event that ``signal()`` sets after `count` calls.
    package init(count: Int = 1) { state = Mutex(State(remaining: count)) }

    /// Counts one signal; the last one sets the event and wakes every waiter; later waits return at once.
    package func signal() {
        let waiters = state.locked { s -> [CheckedContinuation<Bool, Never>] in
            s.remaining -= 1
            guard s.remaining <= 0 else { return [] }
            s.signaled = true
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    /// Whether ``signal()`` was called.
    package var isSignaled: Bool { state.locked { $0.signaled } }

    /// Waits until the event is signaled (true) or `timeout` passed without it (false).
    @discardableResult
    package func wait(timeout: Duration = .seconds(60)) async -> Bool {
        let id = UUID()
        let timer = Task { [self] in
            try? await Task.sleep(for: timeout)
            // A wait whose continuation is not registered yet finds its id expired instead.
            state.locked { s in
                let waiter = s.waiters.removeValue(forKey: id)
                if waiter == nil { s.expired.insert(id) }
                return waiter
            }?.resume(returning: false)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let now = state.locked { s -> Bool? in
                if s.signaled { return true }
                if s.expired.remove(id) != nil { return false }
                s.waiters[id] = continuation
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
    }
}
