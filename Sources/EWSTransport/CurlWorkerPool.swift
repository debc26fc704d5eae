import Foundation

/// Dedicated threads that run blocking `curl_easy_perform` calls, one kept-alive easy handle per
/// thread, so blocking never happens on Swift's cooperative pool.
final class CurlWorkerPool: @unchecked Sendable {
    typealias Job = (CurlHandle?) -> Void

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var head = 0
    private var stopping = false

    init(threads: Int, configuration: HTTPTransportConfiguration) {
        for index in 0..<max(1, threads) {
            let thread = Thread { [self] in
                let handle = CurlHandle(configuration: configuration)
                run(handle)
            }
            thread.name = "ewscheck-curl-\(index)"
            thread.stackSize = 1 << 20
            thread.start()
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
        stopping = true
        condition.broadcast()
        condition.unlock()
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
