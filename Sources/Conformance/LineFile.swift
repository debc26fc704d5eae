private import EWSExecutor
import Foundation
import Synchronization

/// An append-only file of lines, for the run folder's journals (`ledger.jsonl`, `results.jsonl`,
/// `evidence.jsonl`): opened once, each line written with one `write` so a killed run leaves whole
/// lines (at most the last one torn), the first failure remembered and never fatal. Each append
/// says where its line starts, so a line can be read back (``read(_:)``) while the file grows:
/// the spools keep only those places in memory, not the lines.
///
/// Without a path the lines are kept in memory (a run without a run folder, and tests): the same
/// bytes, the same places.
final class LineFile: Sendable {
    /// Where a line is: its first byte and its length (without the line feed).
    struct Location: Sendable, Hashable {
        /// The offset of the line's first byte.
        var offset: Int
        /// The line's length in bytes, without the line feed.
        var length: Int
    }

    private struct State {
        var fd: Int32
        /// The lines, when the file is kept in memory.
        var memory: Data?
        /// Where the next line goes (only this object writes the file).
        var size: Int
        var error: String?
    }

    private let state: Mutex<State>
    /// What the file is, for messages (`the ledger file`).
    private let name: String

    /// Opens `path` (created with mode 0600 if missing), emptied first when `truncate` is set.
    init(path: String, truncate: Bool, name: String) {
        self.name = name
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND), 0o600)
        let problem = fd < 0 ? "cannot open \(path): \(String(cString: strerror(errno)))" : nil
        var size = 0
        if fd >= 0, !truncate {
            var info = stat()
            if fstat(fd, &info) == 0 { size = Int(info.st_size) }
        }
        state = Mutex(State(fd: fd, memory: nil, size: size, error: problem))
    }

    /// A file kept in memory, named `name` in messages.
    init(inMemory name: String) {
        self.name = name
        state = Mutex(State(fd: -1, memory: Data(), size: 0, error: nil))
    }

    deinit {
        state.locked { if $0.fd >= 0 { close($0.fd); $0.fd = -1 } }
    }

    /// Why the file could not be opened or written, if it could not.
    var error: String? { state.locked { $0.error } }

    /// Appends `line` and a line feed; returns where the line is, or nil when it could not be written.
    @discardableResult
    func append(_ line: Data) -> Location? {
        var bytes = line
        bytes.append(0x0A)
        return state.locked { s -> Location? in
            let location = Location(offset: s.size, length: line.count)
            if s.memory != nil {
                s.memory?.append(bytes)
                s.size += bytes.count
                return location
            }
            guard s.fd >= 0 else { return nil }
            let written = bytes.withUnsafeBytes { write(s.fd, $0.baseAddress, $0.count) }
            guard written == bytes.count else {
                if s.error == nil { s.error = "could not append to \(name): \(String(cString: strerror(errno)))" }
                // A short write leaves part of a line: later lines start after it.
                if written > 0 { s.size += written }
                return nil
            }
            s.size += bytes.count
            return location
        }
    }

    /// The line at `location` (as appended, without the line feed), or nil when it cannot be read.
    func read(_ location: Location) -> Data? {
        state.locked { s -> Data? in
            if let memory = s.memory {
                guard location.offset >= 0, location.offset + location.length <= memory.count else { return nil }
                return memory.subdata(in: (memory.startIndex + location.offset)..<(memory.startIndex + location.offset + location.length))
            }
            guard s.fd >= 0 else { return nil }
            var data = Data(count: location.length)
            var done = 0
            while done < location.length {
                let n = data.withUnsafeMutableBytes { buffer -> Int in
                    guard let base = buffer.baseAddress else { return -1 }
                    return pread(s.fd, base + done, location.length - done, off_t(location.offset + done))
                }
                guard n > 0 else { return nil }
                done += n
            }
            return data
        }
    }

    /// Records a failure that happened before anything could be written (a line that would not encode).
    func note(_ problem: String) {
        state.locked { if $0.error == nil { $0.error = problem } }
    }
}
