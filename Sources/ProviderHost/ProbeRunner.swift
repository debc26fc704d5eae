// Runs probe children: posix_spawn each in its own process group (so a timeout kills whatever the
// plugin started too), stdout and stderr into pipes read without blocking, one poll loop for all of
// them, a deadline each. Nothing here waits on a pipe's EOF: a grandchild holding a pipe open must
// not stall discovery.

private import EWSExecutor
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

struct ProbeRunner {
    struct Job {
        var arguments: [String]
    }

    enum Termination: Equatable {
        case exited(Int32)
        case signaled(Int32)
        case failedToStart(String)
    }

    struct ChildRun {
        var stdout = Data()
        var stderr = Data()
        var termination: Termination = .failedToStart("not started")
        var timedOut = false
        var elapsed: Duration = .zero

        /// The protocol lines the child wrote, unreadable lines skipped.
        var messages: [ProbeMessage] {
            stdout.split(separator: 0x0A).compactMap { try? JSONDecoder().decode(ProbeMessage.self, from: Data($0)) }
        }
    }

    var executable: String
    var timeout: Duration
    var environment: [String: String]
    var maximumConcurrent: Int

    static let stdoutLimit = 4 << 20
    static let stderrLimit = 64 << 10

    private final class Running {
        let index: Int
        let pid: pid_t
        var out: Int32
        var err: Int32
        let started: ContinuousClock.Instant
        let deadline: ContinuousClock.Instant
        var outcome = ChildRun()
        init(index: Int, pid: pid_t, out: Int32, err: Int32, started: ContinuousClock.Instant, deadline: ContinuousClock.Instant) {
            self.index = index
            self.pid = pid
            self.out = out
            self.err = err
            self.started = started
            self.deadline = deadline
        }
    }

    /// Runs every job (at most `maximumConcurrent` at a time); outcomes in job order.
    func run(_ jobs: [Job]) -> [ChildRun] {
        var outcomes = [ChildRun](repeating: ChildRun(), count: jobs.count)
        var pending = Array(jobs.indices.reversed())
        var running: [Running] = []
        let clock = ContinuousClock()
        let envp = environment.map { "\($0.key)=\($0.value)" }.sorted()

        while !pending.isEmpty || !running.isEmpty {
            while running.count < max(1, maximumConcurrent), let index = pending.popLast() {
                switch spawn(arguments: [executable] + jobs[index].arguments, environment: envp) {
                case .success(let (pid, out, err)):
                    let now = clock.now
                    running.append(Running(index: index, pid: pid, out: out, err: err, started: now, deadline: now + timeout))
                case .failure(let message):
                    outcomes[index].termination = .failedToStart(message)
                }
            }

            var fds: [pollfd] = []
            for r in running {
                if r.out >= 0 { fds.append(pollfd(fd: r.out, events: Int16(POLLIN), revents: 0)) }
                if r.err >= 0 { fds.append(pollfd(fd: r.err, events: Int16(POLLIN), revents: 0)) }
            }
            // Exit is noticed by waitpid, not by EOF, so poll in short slices.
            let nearest = running.map(\.deadline).min().map { $0 - clock.now } ?? .zero
            let slice = min(max(nearest, .milliseconds(1)), .milliseconds(20))
            _ = poll(&fds, nfds_t(fds.count), Int32(ProbeChild.microseconds(slice) / 1000 + 1))

            var still: [Running] = []
            for r in running {
                drain(r)
                var status: Int32 = 0
                var reaped = waitpid(r.pid, &status, WNOHANG)
                while reaped < 0 && errno == EINTR { reaped = waitpid(r.pid, &status, WNOHANG) }
                if reaped == r.pid {
                    r.outcome.termination = termination(status)
                } else if clock.now >= r.deadline {
                    kill(-r.pid, SIGKILL)
                    kill(r.pid, SIGKILL)
                    repeat { reaped = waitpid(r.pid, &status, 0) } while reaped < 0 && errno == EINTR
                    r.outcome.termination = termination(status)
                    r.outcome.timedOut = true
                } else if reaped < 0 {
                    r.outcome.termination = .failedToStart("waitpid failed: \(String(cString: strerror(errno)))")
                } else {
                    still.append(r)
                    continue
                }
                drain(r)
                close(r.out)
                close(r.err)
                r.outcome.elapsed = clock.now - r.started
                outcomes[r.index] = r.outcome
            }
            running = still
        }
        return outcomes
    }

    private func drain(_ r: Running) {
        if r.out >= 0 { readAvailable(r.out, into: &r.outcome.stdout, limit: Self.stdoutLimit) }
        if r.err >= 0 { readAvailable(r.err, into: &r.outcome.stderr, limit: Self.stderrLimit) }
    }

    /// Reads what is available without blocking; bytes past `limit` are read and dropped.
    private func readAvailable(_ fd: Int32, into data: inout Data, limit: Int) {
        var buffer = [UInt8](repeating: 0, count: 16384)
        while true {
            let n = read(fd, &buffer, buffer.count)
            if n > 0 {
                let room = max(0, limit - data.count)
                if room > 0 { data.append(contentsOf: buffer[0..<min(n, room)]) }
                continue
            }
            if n < 0 && errno == EINTR { continue }
            return
        }
    }

    private func termination(_ status: Int32) -> Termination {
        // The WIFEXITED / WTERMSIG macros are not imported; these are their glibc definitions.
        let signal = status & 0x7F
        if signal == 0 { return .exited((status >> 8) & 0xFF) }
        return .signaled(signal)
    }

    private func makePipe(_ fds: inout [Int32]) -> Bool {
        guard pipe(&fds) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    private enum SpawnResult {
        case success((pid_t, Int32, Int32))
        case failure(String)
    }

    private func spawn(arguments: [String], environment: [String]) -> SpawnResult {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        // pipe2 is not imported; pipe + FD_CLOEXEC leaves a short window in which a child spawned by
        // another thread could inherit a write end, which only delays that child's EOF (never read here).
        guard makePipe(&outPipe) else { return .failure("pipe failed: \(String(cString: strerror(errno)))") }
        guard makePipe(&errPipe) else {
            close(outPipe[0]); close(outPipe[1])
            return .failure("pipe failed: \(String(cString: strerror(errno)))")
        }
        defer {
            close(outPipe[1])
            close(errPipe[1])
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)

        // Own process group (a timeout kills the whole group), no inherited signal mask, default
        // dispositions for every signal (the host may ignore SIGPIPE; the probe must not inherit that).
        let pid: pid_t
        switch ProcessGroupSpawn.spawn(arguments, environment: environment, actions: &actions) {
        case .success(let child): pid = child
        case .failure(let error):
            close(outPipe[0]); close(errPipe[0])
            return .failure(error.description)
        }
        for fd in [outPipe[0], errPipe[0]] {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        return .success((pid, outPipe[0], errPipe[0]))
    }
}
