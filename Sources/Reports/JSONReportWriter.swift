import Conformance
import Foundation

/// Writes `report.json`: snake_case keys, ISO 8601 dates, sorted keys (stable diffs).
public enum JSONReportWriter {
    /// The report as JSON bytes.
    public static func encode(_ report: RunReport) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(report)
    }

    /// Reads a report back (for merges and comparisons).
    public static func decode(_ data: Data) throws -> RunReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(RunReport.self, from: data)
    }
}
