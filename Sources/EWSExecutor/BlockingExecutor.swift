import Dispatch
import Foundation
import Synchronization

/// The one place where ewscheck runs work that blocks a thread: plugin hooks, DNS sockets, plugin
/// probes, the simulator's request handling (XSD validation, RSA signing, NTLM), and the threads that
/// own a libcurl handle.
///
/// Swift's cooperative pool has one thread per core (two here) and NIO's event loops must never
/// wait, so blocking there stalls every task or connection behind it. The executor is a bounded pool
/// of plain threads, started on demand up to ``maximumThreads``; jobs beyond that queue in order. It
/// records what it ran by label (``ranCount(_:)``), and code that must only run here can say so with
/// ``noteBlockingWork(_:onEventLoop:)``, which counts where it was called, so a test can prove where
/// validation and signing ran.
package final class BlockingExecutor: Sendable {
    /// The process's executor. Its bound is generous on purpose: its jobs are of very different
    /// lengths (a hook near its 5 s budget, a DNS query waiting out its timeout, the validation of a
    /// 40 MB request, next to 1 ms answers), and in a queue served in order a short job waits for
    /// every long one ahead of it. With threads to spare the system shares the cores among them, as
    /// it did when each simulator answered on its own event loop; measured: with 8 threads, a full
    /// `make test` (about 50 simulated runs at once on two cores) delayed pull notifications by
    /// 11–14 s, past the check's 10 s limit, and with 64 it did not.
    package static let shared = BlockingExecutor(name: "ewscheck-blocking", maximumThreads: 64)

    /// The thread name prefix of this executor's threads.
    package let name: String
    /// Most pool threads it starts (dedicated threads are not counted).
    package let maximumThreads: Int
    /// How long a pool thread waits for a job before it ends (the next job starts a new one).
    package let idleTimeout: Duration

    private struct Job {
        let label: String
        let work: @Sendable () -> Void
    }

    private struct State {
        var queue: [Job] = []
        var head = 0
        var threads = 0
        /// Threads waiting for a job (in, or about to enter, `wake.wait()`).
        var waiting = 0
        var ran: [String: Int] = [:]
        var noted: [String: Placement] = [:]
    }

    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)

    /// Creates an executor; threads start with the first jobs and end after `idleTimeout` without one.
    package init(name: String, maximumThreads: Int, idleTimeout: Duration = .seconds(10)) {
        self.name = name
        self.maximumThreads = max(1, maximumThreads)
        self.idleTimeout = idleTimeout
    }

    /// How many pool threads are alive now.
    package var threadCount: Int { state.locked { $0.threads } }

    /// Queues `work`; it runs on one of the pool's threads, in submission order among waiting jobs.
    package func submit(_ label: String, _ work: @escaping @Sendable () -> Void) {
        let start: Int? = state.locked { state in
            state.queue.append(Job(label: label, work: work))
            // Every job gets a signal; start a thread when the waiting ones cannot take them all.
            guard state.queue.count - state.head > state.waiting, state.threads < maximumThreads else { return nil }
            state.threads += 1
            return state.threads
        }
        if let start { startThread(index: start) }
        wake.signal()
    }

    /// Runs `body` on the pool and returns its result to the awaiting task.
    package func run<T: Sendable>(_ label: String, _ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            submit(label) { continuation.resume(returning: body()) }
        }
    }

    /// Runs `body` on the pool but waits at most `budget`: nil when it did not finish in time. The
    /// job keeps its thread until it returns (a thread cannot be stopped from outside); the caller
    /// should stop giving work to whatever overran.
    package func run<T: Sendable>(_ label: String, budget: Duration, _ body: @escaping @Sendable () -> T) async -> T? {
        let pending = Mutex<CheckedContinuation<T?, Never>?>(nil)
        return await withCheckedContinuation { continuation in
            pending.locked { $0 = continuation }
            submit(label) {
                let value = body()
                pending.locked { $0.take() }?.resume(returning: value)
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + Self.interval(budget)) {
                pending.locked { $0.take() }?.resume(returning: nil)
            }
        }
    }

    /// Starts a thread of its own for work that keeps one for its whole life (a libcurl worker that
    /// owns an easy handle). Counted under `label` like the pool's jobs.
    package func dedicatedThread(_ label: String, stackSize: Int = 1 << 20, _ body: @escaping @Sendable () -> Void) {
        state.locked { $0.ran[label, default: 0] += 1 }
        let name = self.name
        let thread = Thread {
            Thread.current.threadDictionary[Self.markKey] = name
            body()
        }
        thread.name = "\(name)-\(label)"
        thread.stackSize = stackSize
        thread.start()
    }

    /// How many jobs (or dedicated threads) with `label` it has run or started.
    package func ranCount(_ label: String) -> Int { state.locked { $0.ran[label, default: 0] } }

    /// Whether the calling thread is one of this executor's.
    package var isCurrent: Bool { Thread.current.threadDictionary[Self.markKey] as? String == name }

    /// The thread-dictionary key that marks this executor's threads (thread names are cut to 15
    /// bytes on Linux, so they cannot say it).
    private static let markKey = "ewscheck.blocking-executor"

    /// Where noted blocking work ran.
    package struct Placement: Sendable, Equatable {
        /// On one of the executor's threads.
        package var onExecutor = 0
        /// On an event loop (a bug: the loop's other connections wait).
        package var onEventLoop = 0
        /// Anywhere else (a test calling the code directly).
        package var elsewhere = 0

        /// Creates a placement count.
        package init(onExecutor: Int = 0, onEventLoop: Int = 0, elsewhere: Int = 0) {
            self.onExecutor = onExecutor
            self.onEventLoop = onEventLoop
            self.elsewhere = elsewhere
        }
    }

    /// Records that blocking work `what` is running now: on this executor's thread, on an event loop
    /// (the caller knows, `onEventLoop`), or elsewhere.
    package func noteBlockingWork(_ what: String, onEventLoop: Bool = false) {
        let here = isCurrent
        state.locked { state in
            var n = state.noted[what, default: Placement()]
            if here { n.onExecutor += 1 } else if onEventLoop { n.onEventLoop += 1 } else { n.elsewhere += 1 }
            state.noted[what] = n
        }
    }

    /// Where `what` was noted so far.
    package func noted(_ what: String) -> Placement {
        state.locked { $0.noted[what, default: Placement()] }
    }

    private func startThread(index: Int) {
        let thread = Thread { [self] in
            Thread.current.threadDictionary[Self.markKey] = name
            self.work()
        }
        thread.name = "\(name)-\(index)"
        thread.stackSize = 1 << 20
        thread.start()
    }

    private enum Next {
        case run(Job)
        case wait
        case end
    }

    private func work() {
        let idle = Self.interval(idleTimeout)
        while true {
            state.locked { $0.waiting += 1 }
            let signalled = wake.wait(timeout: .now() + idle) == .success
            // A thread that timed out still takes a job queued meanwhile (its signal then wakes
            // another thread for nothing, which waits again); it ends only with the queue empty,
            // under the same lock `submit` counts the waiting threads with.
            let next: Next = state.locked { state in
                state.waiting -= 1
                guard state.head < state.queue.count else {
                    if signalled { return .wait }
                    state.threads -= 1
                    return .end
                }
                let job = state.queue[state.head]
                state.head += 1
                if state.head > 64, state.head * 2 > state.queue.count {
                    state.queue.removeFirst(state.head)
                    state.head = 0
                }
                state.ran[job.label, default: 0] += 1
                return .run(job)
            }
            switch next {
            case .run(let job): job.work()
            case .wait: continue
            case .end: return
            }
        }
    }

    private static func interval(_ duration: Duration) -> DispatchTimeInterval {
        let (seconds, attoseconds) = duration.components
        return .nanoseconds(Int(clamping: seconds * 1_000_000_000 + attoseconds / 1_000_000_000))
    }
}
