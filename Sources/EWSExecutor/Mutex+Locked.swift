private import CEWSTSan
import Synchronization

extension Mutex where Value: ~Copyable {
    /// `withLock`, with the hand-over of the lock told to ThreadSanitizer: every lock in ewscheck
    /// is taken through this (ConcurrencyHygieneTests).
    ///
    /// On Linux a contended `Mutex` is handed to the next holder by the kernel (a
    /// priority-inheritance futex), which ThreadSanitizer does not see, so under `make sanitize` it
    /// reported every access made under the lock as a race with the previous holder's (157 reports,
    /// none outside a lock; `scripts/sanitizers/tsan-mutex-handoff.swift` shows it in 20 lines).
    /// This marks the lock acquired after locking and released before unlocking, the order the
    /// lock really imposes; outside a ThreadSanitizer build the two calls do nothing.
    package borrowing func locked<Result, E: Error>(_ body: (inout sending Value) throws(E) -> sending Result) throws(E) -> sending Result {
        // The lock's own address names it to ThreadSanitizer (a Mutex is never moved while borrowed).
        let lock = withUnsafePointer(to: self) { UInt(bitPattern: $0) }
        return try withLock { (value: inout sending Value) throws(E) -> sending Result in
            cewstsan_acquire(UnsafeRawPointer(bitPattern: lock))
            defer { cewstsan_release(UnsafeRawPointer(bitPattern: lock)) }
            return try body(&value)
        }
    }
}
