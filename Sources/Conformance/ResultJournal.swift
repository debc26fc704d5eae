import EWSTransport
import Foundation

/// The run's results as they finish, as JSON lines in `results.jsonl` in the run folder: a header
/// line naming the run and its target, then one line per result, each written as the result is
/// recorded (``LineFile``), so a run that is interrupted, killed or crashes leaves every finished
/// result on disk; `ewscheck run --resume RUN` carries the finished mailboxes over from it. The
/// exchanges a result cites are in the run's ``EvidenceSpool`` (`evidence.jsonl`), written before
/// the result; journals of earlier versions carry them in each line, and are still read.
///
/// The journal is also where the reports read the results back from (``RunRecord``): the run keeps
/// only where each line is.
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

    /// One result (and, in journals of earlier versions, the exchanges it cites).
    package struct Entry: Codable, Sendable {
        /// The result as recorded.
        package var result: CheckResult
        /// The exchanges it cites, in journals written before the evidence spool; empty (and not
        /// written) since: they are in `evidence.jsonl`.
        package var exchanges: [HTTPExchange]
        /// Skipped because the run stopped (interrupted, deadline, `--fail-fast`): not finished.
        package var stoppedByRun: Bool

        /// Creates an entry.
        package init(result: CheckResult, exchanges: [HTTPExchange] = [], stoppedByRun: Bool) {
            self.result = result
            self.exchanges = exchanges
            self.stoppedByRun = stoppedByRun
        }

        private enum CodingKeys: String, CodingKey { case result, exchanges, stoppedByRun }

        /// Reads an entry of either version.
        package init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            result = try c.decode(CheckResult.self, forKey: .result)
            exchanges = try c.decodeIfPresent([HTTPExchange].self, forKey: .exchanges) ?? []
            stoppedByRun = try c.decode(Bool.self, forKey: .stoppedByRun)
        }

        /// Writes an entry; the exchanges only when there are any.
        package func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(result, forKey: .result)
            if !exchanges.isEmpty { try c.encode(exchanges, forKey: .exchanges) }
            try c.encode(stoppedByRun, forKey: .stoppedByRun)
        }
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

    private let file: LineFile

    /// Creates (or truncates) the journal at `path`; ``begin(_:)`` writes its header.
    package init(path: String) {
        file = LineFile(path: path, truncate: true, name: "the results journal")
    }

    /// A journal kept in memory (a run without a run folder): the reports still read it back.
    package init() {
        file = LineFile(inMemory: "the results journal")
    }

    /// Writes the header line; call it once, before the first result.
    package func begin(_ header: Header) { append(header) }

    /// Why the journal could not be written, if it could not (the run goes on without it).
    package var writeError: String? { file.error }

    /// Appends one result (its exchanges go to the evidence spool); returns where its line is,
    /// nil when it could not be written.
    @discardableResult
    func append(_ result: CheckResult, stoppedByRun: Bool) -> LineFile.Location? {
        append(Entry(result: result, stoppedByRun: stoppedByRun))
    }

    @discardableResult
    private func append<T: Encodable>(_ value: T) -> LineFile.Location? {
        do {
            return file.append(try Self.encoder.encode(value))
        } catch {
            file.note("a result could not be encoded for the journal: \(error)")
            return nil
        }
    }

    /// The entry whose line is at `location`, read back.
    func entry(at location: LineFile.Location) -> Entry? {
        guard let line = file.read(location) else { return nil }
        return try? Self.lineDecoder.decode(Entry.self, from: line)
    }

    /// Decodes lines read back (dates as the encoder writes them).
    private static let lineDecoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return decoder
    }()

    /// Reads the journal at `path`. A last line cut off by a kill is left out and said so; any
    /// other unreadable line is an error naming its line number.
    package static func read(path: String) throws(ReadError) -> Contents {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReadError(description: "\(path): cannot be read (no results journal: was the run started by an ewscheck that writes one?)")
        }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        let complete = data.last == UInt8(ascii: "\n")
        if complete, lines.last?.isEmpty == true { lines.removeLast() }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        guard let first = lines.first, let header = try? decoder.decode(Header.self, from: Data(first)) else {
            throw ReadError(description: "\(path): line 1 is not a results journal header")
        }
        var entries: [Entry] = []
        var torn = false
        for (index, line) in lines.enumerated().dropFirst() {
            do {
                entries.append(try decoder.decode(Entry.self, from: Data(line)))
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

    /// One encoder for every line: compact (one line each), sorted keys, dates as seconds.
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
