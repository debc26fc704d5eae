import Foundation
import Synchronization

/// An append-only file of lines, for the run folder's journals (`ledger.jsonl`, `results.jsonl`):
/// opened once, each line written with one `write` so a killed run leaves whole lines (at most the
/// last one torn), the first failure remembered and never fatal.
final class LineFile: Sendable {
    private struct State {
        var fd: Int32
        var error: String?
    }

    private let state: Mutex<State>
    /// What the file is, for messages (`the ledger file`).
    private let name: String

    /// Opens `path` (created with mode 0600 if missing), emptied first when `truncate` is set.
    init(path: String, truncate: Bool, name: String) {
        self.name = name
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (truncate ? O_TRUNC : O_APPEND), 0o600)
        state = Mutex(State(fd: fd, error: fd < 0 ? "cannot open \(path): \(String(cString: strerror(errno)))" : nil))
    }

    deinit {
        state.withLock { if $0.fd >= 0 { close($0.fd); $0.fd = -1 } }
    }

    /// Why the file could not be opened or written, if it could not.
    var error: String? { state.withLock { $0.error } }

    /// Appends `line` and a line feed.
    func append(_ line: Data) {
        var bytes = line
        bytes.append(0x0A)
        state.withLock { s in
            guard s.fd >= 0 else { return }
            let written = bytes.withUnsafeBytes { write(s.fd, $0.baseAddress, $0.count) }
            if written != bytes.count, s.error == nil {
                s.error = "could not append to \(name): \(String(cString: strerror(errno)))"
            }
        }
    }

    /// Records a failure that happened before anything could be written (a line that would not encode).
    func note(_ problem: String) {
        state.withLock { if $0.error == nil { $0.error = problem } }
    }
}
