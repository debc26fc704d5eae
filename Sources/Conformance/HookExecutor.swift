import Dispatch

/// Where a profile's plugin hooks run: one serial dispatch queue of its own, never Swift's
/// cooperative pool (a hook is foreign code that may block; two blocked hooks would stall every
/// task of the run on a 2-core machine). Every hook call from the run core goes through ``call``.
enum HookExecutor {
    private static let key = DispatchSpecificKey<Bool>()
    private static let queue: DispatchQueue = {
        let queue = DispatchQueue(label: "ewscheck.plugin-hooks")
        queue.setSpecific(key: key, value: true)
        return queue
    }()

    /// Whether the caller runs on the hook queue (for tests and assertions).
    static var isCurrent: Bool { DispatchQueue.getSpecific(key: key) == true }

    /// Runs `body` on the hook queue and returns its result to the awaiting task.
    static func call<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }
}
