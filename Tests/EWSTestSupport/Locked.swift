import EWSExecutor
import Synchronization

/// A value behind a `Mutex` that escaping closures on other threads can share (a `Mutex` itself
/// cannot be captured: it is not copyable).
package final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    /// Holds `initial`.
    package init(_ initial: Value) { mutex = Mutex(initial) }

    /// Runs `body` with the value, holding the lock.
    package func locked<R>(_ body: (inout Value) throws -> R) rethrows -> R { try mutex.locked { try body(&$0) } }

    /// A copy of the value.
    package var value: Value { mutex.locked { $0 } }
}
