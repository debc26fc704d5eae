import Conformance
import EWSExecutor
import EWSTransport
import Foundation
import Synchronization

/// Writes `report.json`: snake_case keys, ISO 8601 dates, sorted keys (stable diffs).
///
/// Written a piece at a time: the head of the report (everything but the evidence and the
/// results) is encoded once, and each exchange and each result is encoded on its own and set into
/// it at the depth the whole report would have given it, so the bytes are those of one
/// `JSONEncoder` pass over the whole report while at most one exchange or result is in memory.
package enum JSONReportWriter {
    /// The report as JSON bytes.
    package static func encode(_ report: RunReport) throws -> Data {
        let out = ReportOutput()
        try write(ReportSource(report), to: out)
        return out.data
    }

    /// Writes the report `source` holds, reading its exchanges and results one at a time; `each`
    /// sees every exchange as it is written (report.html keeps its rendering of it).
    package static func write(_ source: ReportSource, to out: ReportOutput, each: ((HTTPExchange) -> Void)? = nil) throws {
        let encoder = makeEncoder()
        var head = source.header
        head.results = []
        head.evidence = []
        let first = try encoder.encode(head)
        let evidence = try split(first, at: "evidence")
        out.write(bytes: first[..<evidence.open])
        var count = 0
        var masked = 0
        for id in source.exchangeIDs {
            guard let x = source.exchangeCountingMasks(id) else { continue }
            masked += x.masked
            out.write(count == 0 ? "\n" : ",\n")
            out.write(json: try encoder.encode(x.exchange), indent: 4)
            each?(x.exchange)
            count += 1
        }
        out.write(count == 0 ? "\n\n  ]" : "\n  ]")
        var second = first
        if source.countsMaskedValues, head.evidencePolicy != nil {
            // The stamp comes after the evidence: its count of masked values is known now.
            head.evidencePolicy?.valuesMasked = masked
            second = try encoder.encode(head)
        }
        let evidenceAgain = try split(second, at: "evidence")
        let results = try split(second, at: "results")
        out.write(bytes: second[evidenceAgain.close..<results.open])
        count = 0
        for record in source.results {
            guard let result = source.result(record) else { continue }
            out.write(count == 0 ? "\n" : ",\n")
            out.write(json: try encoder.encode(result), indent: 4)
            count += 1
        }
        out.write(count == 0 ? "\n\n  ]" : "\n  ]")
        out.write(bytes: second[results.close...])
    }

    /// Where an empty top-level array is in an encoded head: `open` just after its `[`, `close`
    /// just after its `]`.
    private static func split(_ data: Data, at key: String) throws -> (open: Int, close: Int) {
        let opening = Data("\n  \"\(key)\" : [".utf8)
        let empty = opening + Data("\n\n  ]".utf8)
        guard let range = data.range(of: empty) else {
            throw EncodingError.invalidValue(key, .init(codingPath: [], debugDescription: "report.json: no top-level \(key) array in the encoded head"))
        }
        return (range.lowerBound + opening.count, range.upperBound)
    }

    /// The encoder of report.json and of each piece of it (one timestamp formatter for every date).
    static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Milliseconds: evidence timings need more than whole seconds.
        let timestamps = Timestamps()
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(timestamps.string(from: date))
        }
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// One ISO 8601 formatter with milliseconds, behind a lock (the encoder's date closure must be
    /// `Sendable`); making one per date was a measurable part of writing a large report.
    private final class Timestamps: Sendable {
        private let formatter = Mutex(JSONReportWriter.timestampFormatter())
        func string(from date: Date) -> String { formatter.locked { $0.string(from: date) } }
    }

    /// Reads a report back (for merges and comparisons).
    package static func decode(_ data: Data) throws -> RunReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .custom { path in
            AnyKey(camelCase(path.last?.stringValue ?? ""))
        }
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            let plain = ISO8601DateFormatter()
            guard let date = timestampFormatter().date(from: text) ?? plain.date(from: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not an ISO 8601 time"))
            }
            return date
        }
        return try decoder.decode(RunReport.self, from: data)
    }

    static func timestampFormatter() -> ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }

    /// The inverse of `.convertToSnakeCase` for this model: `run_id` → `runID`, `ews_url` →
    /// `ewsURL` (Foundation's own inverse gives `runId`, which matches no property).
    static func camelCase(_ key: String) -> String {
        let parts = key.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count > 1 else { return key }
        return parts.enumerated().map { index, part -> String in
            if index == 0 { return String(part) }
            switch part {
            case "id": return "ID"
            case "url": return "URL"
            default: return part.prefix(1).uppercased() + part.dropFirst()
            }
        }.joined()
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
