#if canImport(Glibc)
import Glibc
#endif
private import CEWSTestEnvironment
import EWSExecutor
import Foundation
import Synchronization

/// A child process for end-to-end tests, spawned the way `ProbeRunner` spawns probes: its own process
/// group (so a stuck child and whatever it started can be killed together), an empty signal mask and
/// default dispositions (nothing inherited from the test runner), stdin from /dev/null, no descriptor
/// of the runner's but the two output pipes. Output is read on GCD threads, never on the cooperative
/// pool, and waits are driven by output and exit events.
///
/// Tests never use Foundation's `Process`: on this toolchain (Swift 6.3.1) its `run()` scans
/// /proc/self/fd with a fixed 256-byte copy of each directory entry and crashes the whole test binary
/// with SIGSEGV now and then (swift-corelibs-foundation PR #5472).
package final class ChildProcess: Sendable {
    /// How the child ended.
    package enum Termination: Sendable, Equatable, CustomStringConvertible {
        case exited(Int32)
        case signaled(Int32)
        package var description: String {
            switch self {
            case .exited(let code): return "exit \(code)"
            case .signaled(let sig): return "signal \(sig)"
            }
        }
    }

    private struct State {
        var out: [UInt8] = []
        var err: [UInt8] = []
        var openPipes = 2
        var termination: Termination?
        var waiters: [UUID: CheckedContinuation<Void, Never>] = [:]
        var blockedWaiters: [DispatchSemaphore] = []
        var pauseOn: String?
    }

    /// The child's pid (also its process group id).
    package let pid: pid_t
    private let state = Mutex(State())

    /// Starts `executable` with `arguments`; `environment` is added to the test's own, after the
    /// variables named in `removing` are taken out; `directory` is the child's working directory.
    package init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                removing: [String] = [], directory: String? = nil) throws {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard pipe(&outPipe) == 0, pipe(&errPipe) == 0 else { throw FixtureError("pipe: \(String(cString: strerror(errno)))") }
        for fd in outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // Nothing else of the runner's (listening sockets, other tests' pipes) leaks into the child.
        let closed = ewscheck_test_spawn_addclosefrom(&actions, 3)
        guard closed == 0 else { for fd in outPipe + errPipe { close(fd) }; throw FixtureError("posix_spawn_file_actions_addclosefrom_np: \(String(cString: strerror(closed)))") }
        if let directory {
            let changed = ewscheck_test_spawn_addchdir(&actions, directory)
            guard changed == 0 else { for fd in outPipe + errPipe { close(fd) }; throw FixtureError("posix_spawn_file_actions_addchdir_np: \(String(cString: strerror(changed)))") }
        }
        var env = ProcessInfo.processInfo.environment
        for name in removing { env.removeValue(forKey: name) }
        env.merge(environment) { $1 }
        // A crash in a child must not stall the run for minutes in the backtracer.
        if env["SWIFT_BACKTRACE"] == nil { env["SWIFT_BACKTRACE"] = "enable=no" }
        let spawned = ProcessGroupSpawn.spawn([executable] + arguments, environment: env.map { "\($0.key)=\($0.value)" }, actions: &actions)
        close(outPipe[1])
        close(errPipe[1])
        let child: pid_t
        switch spawned {
        case .success(let pid): child = pid
        case .failure(let error):
            close(outPipe[0]); close(errPipe[0])
            throw FixtureError(error.description)
        }
        pid = child
        read(outPipe[0], into: \.out)
        read(errPipe[0], into: \.err)
        let pid = child
        DispatchQueue.global().async { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let signal = status & 0x7F
            let ended: Termination = signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
            update { $0.termination = ended }
        }
    }

    private func read(_ fd: Int32, into keyPath: WritableKeyPath<State, [UInt8]> & Sendable) {
        DispatchQueue.global().async { [self] in
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { break }
                let chunk = buffer[0..<n]
                update { s in
                    s[keyPath: keyPath] += chunk
                    Self.pauseIfDue(&s, pid: pid)
                }
            }
            close(fd)
            update { $0.openPipes -= 1 }
        }
    }

    /// Changes the state and wakes every waiter.
    private func update(_ change: (inout State) -> Void) {
        let (waiters, blocked) = state.locked { s -> ([CheckedContinuation<Void, Never>], [DispatchSemaphore]) in
            change(&s)
            defer { s.waiters = [:]; s.blockedWaiters = [] }
            return (Array(s.waiters.values), s.blockedWaiters)
        }
        for w in waiters { w.resume() }
        for b in blocked { b.signal() }
    }

    /// Standard output so far.
    package var stdout: String { state.locked { String(decoding: $0.out, as: UTF8.self) } }
    /// Standard error so far.
    package var stderr: String { state.locked { String(decoding: $0.err, as: UTF8.self) } }
    /// How it ended, if it has.
    package var termination: Termination? { state.locked { $0.termination } }

    /// What a wait condition sees.
    package struct Snapshot: Sendable {
        /// Standard output so far.
        package var stdout: String
        /// Standard error so far.
        package var stderr: String
        /// How it ended, if it has.
        package var termination: Termination?
        /// Whether both output pipes reached their end.
        package var outputComplete: Bool
    }

    private static func snapshot(_ s: State) -> Snapshot {
        Snapshot(stdout: String(decoding: s.out, as: UTF8.self), stderr: String(decoding: s.err, as: UTF8.self),
                 termination: s.termination, outputComplete: s.openPipes == 0)
    }

    /// Waits until `condition` holds (checked on every output or exit event) or `timeout` passes.
    @discardableResult
    package func waitUntil(timeout: Duration, _ condition: @escaping @Sendable (Snapshot) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        // The timer is one more event, so the wait ends at the deadline even if the child is silent.
        let timer = Task { [self] in
            try? await Task.sleep(until: deadline)
            update { _ in }
        }
        defer { timer.cancel() }
        while true {
            if condition(state.locked { Self.snapshot($0) }) { return true }
            if ContinuousClock.now >= deadline { return false }
            let id = UUID()
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.locked { s -> Bool in
                    // Re-check under the lock: an event between the test above and here must not be lost.
                    if condition(Self.snapshot(s)) || ContinuousClock.now >= deadline { return true }
                    s.waiters[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        }
    }

    /// Waits until standard output contains `text`.
    @discardableResult
    package func waitForOutput(_ text: String, timeout: Duration = .seconds(60)) async -> Bool {
        await waitUntil(timeout: timeout) { $0.stdout.contains(text) }
    }

    /// Sends a signal to the child.
    package func send(_ signal: Int32) { kill(pid, signal) }

    /// Stops the child (SIGSTOP) the moment its standard output contains `text`, from the thread that
    /// reads the output, so the child is frozen at that point of its work instead of wherever it got
    /// to by the time a test reacts; ``send(_:)`` SIGCONT resumes it.
    package func pause(whenOutputContains text: String) {
        state.locked { s in
            s.pauseOn = text
            Self.pauseIfDue(&s, pid: pid)
        }
    }

    private static func pauseIfDue(_ s: inout State, pid: pid_t) {
        guard let text = s.pauseOn, s.termination == nil, String(decoding: s.out, as: UTF8.self).contains(text) else { return }
        s.pauseOn = nil
        kill(pid, SIGSTOP)
    }

    /// Stops a daemon: SIGTERM to its whole process group, SIGKILL to the group if it has not ended
    /// after `grace`, then waits until it is reaped and its output read.
    @discardableResult
    package func terminate(grace: Duration = .seconds(2)) async -> Termination {
        if termination == nil {
            kill(-pid, SIGTERM)
            if await !waitUntil(timeout: grace, { $0.termination != nil }) { kill(-pid, SIGKILL) }
        }
        return await wait(timeout: .seconds(30))
    }

    /// Blocks the calling thread until the child has ended and its output is read; kills its whole
    /// process group after `timeout`. For synchronous tests; async tests use ``wait(timeout:)``.
    package func waitBlocking(timeout: Duration = .seconds(120)) -> Termination {
        func finished(_ s: State) -> Bool { s.termination != nil && s.openPipes == 0 }
        func block(until deadline: ContinuousClock.Instant) -> Bool {
            while true {
                let semaphore = DispatchSemaphore(value: 0)
                let done = state.locked { s -> Bool in
                    if finished(s) { return true }
                    s.blockedWaiters.append(semaphore)
                    return false
                }
                if done { return true }
                let left = deadline - ContinuousClock.now
                if left <= .zero { return false }
                let (seconds, attoseconds) = left.components
                let nanoseconds = Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
                _ = semaphore.wait(timeout: .now() + .nanoseconds(max(nanoseconds, 1)))
            }
        }
        if !block(until: ContinuousClock.now + timeout) {
            kill(-pid, SIGKILL)
            _ = block(until: ContinuousClock.now + .seconds(10))
        }
        return termination ?? .signaled(SIGKILL)
    }

    /// What a finished child left: how it ended and everything it wrote.
    package struct Completed: Sendable {
        /// How it ended.
        package var termination: Termination
        /// The exit code, or the signal number if a signal ended it (as Foundation's `terminationStatus`).
        package var status: Int32 {
            switch termination {
            case .exited(let code): return code
            case .signaled(let signal): return signal
            }
        }
        /// Everything it wrote to standard output.
        package var stdout: String
        /// Everything it wrote to standard error.
        package var stderr: String
    }

    /// Runs `executable` to its end, blocking the calling thread (see ``init(_:_:environment:removing:directory:)``).
    package static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           removing: [String] = [], directory: String? = nil,
                           timeout: Duration = .seconds(120)) throws -> Completed {
        let child = try ChildProcess(executable, arguments, environment: environment, removing: removing, directory: directory)
        let termination = child.waitBlocking(timeout: timeout)
        return Completed(termination: termination, stdout: child.stdout, stderr: child.stderr)
    }

    /// Runs `executable` to its end without blocking a cooperative thread.
    package static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           removing: [String] = [], directory: String? = nil,
                           timeout: Duration = .seconds(120)) async throws -> Completed {
        let child = try ChildProcess(executable, arguments, environment: environment, removing: removing, directory: directory)
        let termination = await child.wait(timeout: timeout)
        return Completed(termination: termination, stdout: child.stdout, stderr: child.stderr)
    }

    /// Waits for the child to end and its output to be read; kills its whole process group after `timeout`.
    package func wait(timeout: Duration = .seconds(120)) async -> Termination {
        let done: @Sendable (Snapshot) -> Bool = { $0.termination != nil && $0.outputComplete }
        if await !waitUntil(timeout: timeout, done) {
            kill(-pid, SIGKILL)
            await waitUntil(timeout: .seconds(10), done)
        }
        return termination ?? .signaled(SIGKILL)
    }
}
