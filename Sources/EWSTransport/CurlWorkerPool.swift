private import EWSExecutor
import Foundation

/// Dedicated threads that run blocking `curl_easy_perform` calls, one kept-alive easy handle per
/// thread, so blocking never happens on Swift's cooperative pool.
final class CurlWorkerPool: @unchecked Sendable {
    typealias Job = (CurlHandle?) -> Void

    // `@unchecked Sendable`: every mutable property below is read and written holding `condition`,
    // an NSCondition because idle workers block on it (Mutex has no condition to wait on).
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var stopping = false
    private let threadCount: Int

    /// Worker threads of stopped pools that have not yet released their handle: the process must
    /// not exit under them (libcurl and OpenSSL tear down at exit; a handle cleaned up meanwhile
    /// crashes the process).
    private static let exiting = ExitingThreads()

    /// A count with its condition; `@unchecked Sendable` because every access holds `condition`.
    private final class ExitingThreads: @unchecked Sendable {
        let condition = NSCondition()
        var count = 0
        func add(_ n: Int) {
            condition.lock()
            count += n
            condition.broadcast()
            condition.unlock()
        }
    }

    init(threads: Int, configuration: HTTPTransportConfiguration) {
        threadCount = max(1, threads)
        // Each worker owns its easy handle for its whole life, so it keeps a thread of its own.
        for _ in 0..<threadCount {
            BlockingExecutor.shared.dedicatedThread("curl-worker") { [self] in
                work(configuration)
                Self.exiting.add(-1)
            }
        }
    }

    /// Queues a job; false once the pool is stopping.
    func submit(_ job: @escaping Job) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if stopping { return false }
        jobs.append(job)
        condition.signal()
        return true
    }

    /// Lets queued jobs finish, then ends the threads.
    func shutdown() {
        condition.lock()
        let first = !stopping
        stopping = true
        condition.broadcast()
        condition.unlock()
        if first { Self.exiting.add(threadCount) }
    }

    /// Waits (at most `seconds`) until every thread of every stopped pool has finished its queued
    /// jobs and cleaned up its handle. Called once before the process exits.
    static func waitForStoppedThreads(upTo seconds: Double) {
        let deadline = Date(timeIntervalSinceNow: seconds)
        exiting.condition.lock()
        while exiting.count > 0 && exiting.condition.wait(until: deadline) {}
        exiting.condition.unlock()
    }

    /// One worker's life: its handle lives exactly as long as the loop, and is cleaned up before
    /// the thread reports that it ended.
    private func work(_ configuration: HTTPTransportConfiguration) {
        let handle = CurlHandle(configuration: configuration)
        withExtendedLifetime(handle) { run(handle) }
    }

    private func run(_ handle: CurlHandle?) {
        while true {
            condition.lock()
            while head == jobs.count && !stopping { condition.wait() }
            if head == jobs.count {
                condition.unlock()
                return
            }
            let job = jobs[head]
            head += 1
            if head > 64 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job(handle)
        }
    }
}
