import Synchronization

/// Set by the task that awaits a transfer when it is cancelled; read by libcurl's progress
/// callback on the worker thread, which then aborts the transfer at once.
final class CancellationFlag: Sendable {
    private let value = Atomic<Bool>(false)

    /// Marks the transfer cancelled.
    func cancel() { value.store(true, ordering: .releasing) }

    /// Whether the transfer was cancelled.
    var isCancelled: Bool { value.load(ordering: .acquiring) }
}
