import Conformance
import Foundation

/// Writes `report.json`: snake_case keys, ISO 8601 dates, sorted keys (stable diffs).
package enum JSONReportWriter {
    /// The report as JSON bytes.
    package static func encode(_ report: RunReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Milliseconds: evidence timings need more than whole seconds.
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var c = encoder.singleValueContainer()
            try c.encode(timestampFormatter().string(from: date))
        }
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(report)
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
