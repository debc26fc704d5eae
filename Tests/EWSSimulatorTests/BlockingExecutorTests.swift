import Dispatch
import EWSExecutor
import EWSTestSupport
import Synchronization
import Testing

/// The one bounded pool for blocking work (EWSExecutor).
@Suite("Blocking executor: bounded, ordered, budgeted, recorded")
struct BlockingExecutorTests {
    @Test("never more threads at once than its bound; every job runs; the ledger counts them")
    func bounded() async {
        let executor = BlockingExecutor(name: "test-bounded", maximumThreads: 3)
        let running = Locked((now: 0, most: 0))
        let gate = DispatchSemaphore(value: 0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<12 {
                group.addTask {
                    await executor.run("job") {
                        running.locked { $0.now += 1; $0.most = max($0.most, $0.now) }
                        _ = gate.wait(timeout: .now() + 30)
                        running.locked { $0.now -= 1 }
                    }
                }
            }
            // Let every job through, a few at a time, whatever order they were queued in.
            for _ in 0..<12 { gate.signal() }
        }
        #expect(running.locked { $0.most } <= 3)
        #expect(running.locked { $0.most } >= 1)
        #expect(executor.ranCount("job") == 12)
    }

    @Test("jobs queued behind a full pool start in the order they came")
    func ordered() async {
        let executor = BlockingExecutor(name: "test-ordered", maximumThreads: 1)
        let order = Locked<[Int]>([])
        let done = DispatchSemaphore(value: 0)
        for i in 0..<20 {
            executor.submit("ordered") {
                order.locked { $0.append(i) }
                done.signal()
            }
        }
        for _ in 0..<20 { _ = done.wait(timeout: .now() + 30) }
        #expect(order.locked { $0 } == Array(0..<20))
    }

    @Test("a job over its budget is abandoned by the caller (nil), and still finishes on its thread")
    func budget() async {
        let executor = BlockingExecutor(name: "test-budget", maximumThreads: 2)
        let release = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let answer: Int? = await executor.run("slow", budget: .milliseconds(100)) {
            _ = release.wait(timeout: .now() + 30)
            finished.signal()
            return 7
        }
        #expect(answer == nil)
        release.signal()
        #expect(finished.wait(timeout: .now() + 30) == .success)
        let quick: Int? = await executor.run("quick", budget: .seconds(30)) { 8 }
        #expect(quick == 8)
    }

    @Test("isCurrent is true on its threads only, and noted work says where it ran")
    func placement() async {
        let executor = BlockingExecutor(name: "test-placement", maximumThreads: 1)
        #expect(!executor.isCurrent)
        let inside = await executor.run("where") { executor.isCurrent }
        #expect(inside)
        await executor.run("note") { executor.noteBlockingWork("work") }
        executor.noteBlockingWork("work", onEventLoop: true)
        executor.noteBlockingWork("work")
        #expect(executor.noted("work") == BlockingExecutor.Placement(onExecutor: 1, onEventLoop: 1, elsewhere: 1))
    }

    @Test("idle threads end after the idle timeout; the next job starts a new one and runs")
    func idleThreadsEnd() async throws {
        let executor = BlockingExecutor(name: "test-idle", maximumThreads: 4, idleTimeout: .milliseconds(100))
        let gate = DispatchSemaphore(value: 0)
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { await executor.run("hold") { _ = gate.wait(timeout: .now() + 30) } } }
            for _ in 0..<4 { gate.signal() }
        }
        #expect(executor.ranCount("hold") == 4)
        // A thread's end has no event to wait for: the bounded poll of the test support.
        let ended = await pollUntil(timeout: .seconds(30)) { executor.threadCount == 0 }
        #expect(ended, "\(executor.threadCount) threads still alive")
        #expect(await executor.run("after") { 42 } == 42)
        #expect(executor.ranCount("after") == 1)
    }
}
