private import EWSExecutor
import Foundation
import Synchronization

/// The simulator's request log: each record is streamed to a JSON-lines file as it is made (when a
/// state folder is set), and the newest ones are kept in memory for tests and the admin view, at most
/// ``retainedWhenStreamed`` of them when a file has the rest, so a long `simulate` session stays flat in
/// memory. Tests wait for requests with ``waitForCount(_:timeout:)`` (an event, not a poll).
final class RequestLog: Sendable {
    /// Records kept in memory when the file has them all.
    static let retainedWhenStreamed = 20_000

    private struct Waiter {
        let count: Int
        let continuation: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var records: [SimulatorRequestRecord] = []
        var total = 0
        var waiters: [Int: Waiter] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())
    private let file: Mutex<FileHandle?>
    /// Whether records go to a file (nothing is encoded when they do not).
    private let streamed: Bool
    private let retained: Int

    init(path: String?) {
        if let path {
            FileManager.default.createFile(atPath: path, contents: nil)
            file = Mutex(FileHandle(forWritingAtPath: path))
            streamed = true
            retained = Self.retainedWhenStreamed
        } else {
            file = Mutex(nil)
            streamed = false
            retained = .max
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    func append(_ record: SimulatorRequestRecord) {
        // The file first, in order of arrival (its own lock: a slow disk never holds up readers).
        // Encoded before the lock (one encoder for the log, made once: a new encoder per line and
        // encoding under the lock were 8 % of the simulator's CPU and its lock contention).
        if streamed, var line = try? Self.encoder.encode(record) {
            line.append(0x0A)
            file.locked { file in file?.write(line) }
        }
        let ready: [CheckedContinuation<Bool, Never>] = state.locked { state in
            state.records.append(record)
            state.total += 1
            if state.records.count > retained {
                state.records.removeFirst(state.records.count - retained / 2)
            }
            let total = state.total
            let due = state.waiters.filter { $0.value.count <= total }
            for key in due.keys { state.waiters[key] = nil }
            return due.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume(returning: true) }
    }

    /// The records in memory (all of them, or the newest ``retainedWhenStreamed`` when streamed to a file).
    var all: [SimulatorRequestRecord] { state.locked { $0.records } }

    /// How many requests were logged since the start.
    var total: Int { state.locked { $0.total } }

    /// Waits until at least `count` requests were logged since the start: true, or false after `timeout`.
    func waitForCount(_ count: Int, timeout: Duration) async -> Bool {
        let id: Int = state.locked { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        return await withCheckedContinuation { continuation in
            let now: Bool = state.locked { state in
                if state.total >= count { return true }
                state.waiters[id] = Waiter(count: count, continuation: continuation)
                return false
            }
            if now {
                continuation.resume(returning: true)
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                let late = state.locked { $0.waiters.removeValue(forKey: id) }
                late?.continuation.resume(returning: false)
            }
        }
    }
}
