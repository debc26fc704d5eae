@testable import Conformance
import Foundation
import Reports
import Testing

/// Every key of every object in a JSON value, with the path it was found at.
private func allKeys(_ value: Any, path: String = "$") -> [(path: String, key: String)] {
    if let object = value as? [String: Any] {
        return object.flatMap { key, child in [(path, key)] + allKeys(child, path: "\(path).\(key)") }
    }
    if let array = value as? [Any] {
        return array.enumerated().flatMap { allKeys($1, path: "\(path)[\($0)]") }
    }
    return []
}

private func jsonObject(_ report: RunReport) throws -> [String: Any] {
    let data = try JSONReportWriter.encode(report)
    return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

@Suite("JSONReportWriter")
struct JSONReportWriterTests {
    @Test("keys are snake_case at every level")
    func snakeCaseKeys() throws {
        let object = try jsonObject(SampleReport.make())
        #expect(object["run_id"] as? String == "20261126T170530Z-3f9a")
        #expect(object["exit_code"] as? Int == 1)
        #expect(object["schema_version"] as? Int == 1)
        let target = try #require(object["target"] as? [String: Any])
        #expect(target["ews_url"] as? String == "https://mail.contoso.com/EWS/Exchange.asmx")
        #expect(target["out_of_scope_mailbox"] as? String == "erin@contoso.com")
        let results = try #require(object["results"] as? [[String: Any]])
        #expect(results.first?["duration_milliseconds"] as? Double == 12)
        let cleanup = try #require(object["cleanup"] as? [String: Any])
        let leftover = try #require((cleanup["leftover"] as? [[String: Any]])?.first)
        #expect(leftover["item_id"] as? String == "AAMkADk0Nzc=")
        #expect(leftover["created_by"] as? String == "voicemail.deliver")

        // Keys the writer owns are snake_case; facts are data (their keys are free text).
        let camel = allKeys(object).filter { !$0.path.contains(".facts") && $0.key.contains(where: \.isUppercase) }
        #expect(camel.isEmpty, "keys that are not snake_case: \(camel.map { "\($0.path).\($0.key)" })")
    }

    @Test("dates are ISO 8601 and outcomes are their stable raw values")
    func datesAndOutcomes() throws {
        let object = try jsonObject(SampleReport.make())
        let millis = ISO8601DateFormatter()
        millis.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        #expect(object["started_at"] as? String == millis.string(from: SampleReport.started))
        let outcomes = (object["results"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String }
        #expect(outcomes == SampleReport.oneOfEach.map(\.outcome.rawValue))
        #expect(outcomes?.contains("expected_failure") == true)
    }

    @Test("a report round-trips through decode with the same summary and results")
    func roundTrip() throws {
        let report = SampleReport.make()
        let data = try JSONReportWriter.encode(report)
        do {
            let decoded = try JSONReportWriter.decode(data)
            #expect(decoded.summary == report.summary)
            #expect(decoded.results == report.results)
            #expect(decoded.runID == report.runID)
            #expect(decoded.target.ewsURL == report.target.ewsURL)
            #expect(decoded.cleanup.leftover == report.cleanup.leftover)
            #expect(abs(decoded.startedAt.timeIntervalSince(report.startedAt)) < 0.001)
        }
    }

    @Test("encoding is stable: the same report gives the same bytes")
    func stableBytes() throws {
        let report = SampleReport.make()
        #expect(try JSONReportWriter.encode(report) == JSONReportWriter.encode(report))
    }
}
