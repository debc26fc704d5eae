@testable import EWSSimulator
import EWSTestSupport
import Foundation
import Testing

/// The simulator's request log: streamed to disk, flat in memory, and an event tests can wait on.
@Suite("Simulator: the request log")
struct RequestLogTests {
    private static func record(_ n: Int) -> SimulatorRequestRecord {
        SimulatorRequestRecord(time: Date(), tls: true, host: "mail.contoso.com", method: "POST", path: "/EWS/Exchange.asmx",
                               authScheme: "Basic", authMechanism: nil, user: "svc", status: 200, operation: "Op\(n)",
                               impersonated: nil, anchorMailbox: nil, responseCodes: ["NoError"])
    }

    @Test("streamed to its file, every record in order, while memory keeps only the newest")
    func streamedAndBounded() throws {
        let folder = try TestPaths.temporaryDirectory("request-log")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/requests.jsonl"
        let log = RequestLog(path: path)
        let n = RequestLog.retainedWhenStreamed + 5_000
        for i in 0..<n { log.append(Self.record(i)) }
        #expect(log.total == n)
        #expect(log.all.count <= RequestLog.retainedWhenStreamed)
        #expect(log.all.last?.operation == "Op\(n - 1)")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == n)
        #expect(lines.first?.contains("\"operation\":\"Op0\"") == true)
        #expect(lines.last?.contains("\"operation\":\"Op\(n - 1)\"") == true)
    }

    @Test("without a file every record stays in memory")
    func inMemory() {
        let log = RequestLog(path: nil)
        for i in 0..<100 { log.append(Self.record(i)) }
        #expect(log.all.count == 100)
    }

    @Test("waiting for a count resumes on the append that reaches it, at once when already reached, false on timeout")
    func waiting() async {
        let log = RequestLog(path: nil)
        async let reached = log.waitForCount(3, timeout: .seconds(60))
        async let never = log.waitForCount(1_000, timeout: .milliseconds(200))
        for i in 0..<3 { log.append(Self.record(i)) }
        #expect(await reached)
        #expect(await !never)
        #expect(await log.waitForCount(2, timeout: .milliseconds(1)))
    }
}
