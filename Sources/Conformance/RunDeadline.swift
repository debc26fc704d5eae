/// The overall time limit of a run: the body is cancelled when the limit passes (its in-flight
/// requests are aborted and the checks not started are skipped), and the caller learns it.
enum RunDeadline {
    /// Runs `body`; returns true when the limit cut it short.
    static func run(seconds: Double, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await body()
                return false
            }
            group.addTask {
                do {
                    try await Task.sleep(for: .milliseconds(Int(min(seconds, 86_400) * 1000)))
                } catch {
                    return false
                }
                return true
            }
            let first = await group.next() ?? false
            group.cancelAll()
            // The body winds down (cleanup of what it created is the caller's, after this).
            while await group.next() != nil {}
            return first
        }
    }
}
