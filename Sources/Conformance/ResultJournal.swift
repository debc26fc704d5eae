import EWSTransport
import Foundation
import Synchronization

/// The run's results as they finish, as JSON lines in `results.jsonl` in the run folder: a header
/// line naming the run and its target, then one line per result with the exchanges it cites
/// (already redacted, as in the report). Each line is written with one `write` as the result is
/// recorded, so a run that is interrupted, killed or crashes leaves every finished result on disk;
/// `ewscheck run --resume RUN` carries the finished mailboxes over from it.
package final class ResultJournal: Sendable {
    /// The first line: which run, against which endpoint, over which mailboxes.
    package struct Header: Codable, Sendable, Hashable {
        /// The run id.
        package var runID: String
        /// The EWS URL the run tested.
        package var ewsURL: String
        /// The mailboxes the run set out to certify, in order.
        package var mailboxes: [String]
        /// The check catalogue's version.
        package var catalog: String
        /// When the run started.
        package var startedAt: Date
        /// The per-mailbox checks the run planned: a mailbox is finished when each has a result
        /// for it that the run's stopping did not cause.
        package var perMailboxChecks: [CheckID]
    }

    /// One result and the exchanges it cites.
    package struct Entry: Codable, Sendable {
        /// The result as recorded.
        package var result: CheckResult
        /// The exchanges it cites.
        package var exchanges: [HTTPExchange]
        /// Skipped because the run stopped (interrupted, deadline, `--fail-fast`): not finished.
        package var stoppedByRun: Bool
    }

    /// What a journal holds.
    package struct Contents: Sendable {
        /// The header.
        package var header: Header
        /// Every complete entry, in the order written.
        package var entries: [Entry]
        /// Whether the last line was cut off (the run was killed while writing it); it is ignored.
        package var tornLastLine: Bool
    }

    /// Why a journal could not be read.
    package struct ReadError: Error, Sendable, CustomStringConvertible {
        /// What is wrong, with the path.
        package var description: String
    }

    private struct State {
        var fd: Int32 = -1
        var error: String?
    }

    private let state = Mutex(State())

    /// Creates (or truncates) the journal at `path`; ``begin(_:)`` writes its header.
    package init(path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        state.withLock {
            $0.fd = fd
            if fd < 0 { $0.error = "cannot open \(path): \(String(cString: strerror(errno)))" }
        }
    }

    /// Writes the header line; call it once, before the first result.
    package func begin(_ header: Header) { append(header) }

    deinit {
        state.withLock { if $0.fd >= 0 { close($0.fd); $0.fd = -1 } }
    }

    /// Why the journal could not be written, if it could not (the run goes on without it).
    package var writeError: String? { state.withLock { $0.error } }

    /// Appends one result with the exchanges it cites.
    package func append(_ result: CheckResult, exchanges: [HTTPExchange], stoppedByRun: Bool) {
        append(Entry(result: result, exchanges: exchanges, stoppedByRun: stoppedByRun))
    }

    private func append<T: Encodable>(_ value: T) {
        let line: Data
        do {
            line = try Self.encoder().encode(value) + Data("\n".utf8)
        } catch {
            state.withLock { if $0.error == nil { $0.error = "a result could not be encoded for the journal: \(error)" } }
            return
        }
        state.withLock { s in
            guard s.fd >= 0 else { return }
            let written = line.withUnsafeBytes { write(s.fd, $0.baseAddress, $0.count) }
            if written != line.count, s.error == nil {
                s.error = "could not append to the results journal: \(String(cString: strerror(errno)))"
            }
        }
    }

    /// Reads the journal at `path`. A last line cut off by a kill is left out and said so; any
    /// other unreadable line is an error naming its line number.
    package static func read(path: String) throws(ReadError) -> Contents {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError(description: "\(path): cannot be read (no results journal: was the run started by an ewscheck that writes one?)")
        }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let complete = data.last == UInt8(ascii: "\n")
        if complete, lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first, let header = try? decoder().decode(Header.self, from: Data(first)) else {
            throw ReadError(description: "\(path): line 1 is not a results journal header")
        }
        var entries: [Entry] = []
        var torn = false
        for (index, line) in lines.enumerated().dropFirst() {
            do {
                entries.append(try decoder().decode(Entry.self, from: Data(line)))
            } catch {
                if index == lines.count - 1 && !complete {
                    torn = true
                } else {
                    throw ReadError(description: "\(path): line \(index + 1) is not a journal entry: \(error)")
                }
            }
        }
        return Contents(header: header, entries: entries, tornLastLine: torn)
    }

    private static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    private static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }
}
