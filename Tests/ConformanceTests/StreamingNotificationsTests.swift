@testable import Conformance
import EWSProtocol
import EWSSimulator
import Foundation
import Testing

/// notifications.streaming: passes against Exchange's chunked GetStreamingEvents with its latency
/// facts, closing the connection itself once it has its events, and fails with its own words for
/// a stream that stays silent and for one held back until it closes. The quirk runs certify one
/// mailbox with a latency limit of 2 s (as the pull tests do: a loaded machine still delivers a
/// healthy event in time), so a missing event costs a wait of about 4 s.
@Suite("Notifications (streaming subscription) against the simulator")
struct StreamingNotificationsTests {
    /// Runs the suite on the first mailbox with `limit` ms; notifications.streaming must fail with
    /// `fragment`, everything else pass, nothing stay behind.
    static func expect(_ quirk: SimulatorQuirk, limit: Int = 2000, failing fragments: [String],
                       sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await NotificationsTests.expectFailure(of: CheckCatalog.notificationsStreaming, quirk, limit: limit,
                                                   sourceLocation: sourceLocation) { report, r in
            for fragment in fragments {
                #expect(r.message.contains(fragment), "\(r.displayName): \(r.message)", sourceLocation: sourceLocation)
            }
            let cited = report.evidence.filter { r.evidence.contains($0.id) }
            #expect(cited.contains { $0.requestBody.contains("GetStreamingEvents") }, "the stream is cited", sourceLocation: sourceLocation)
            #expect(r.facts["stream_ending"] == "cancelled", "the client hung up the open stream: \(r.facts)", sourceLocation: sourceLocation)
        }
    }

    @Test("every mailbox's stream carries Created and Modified for its voicemail in time, chunked, closed by the client, unsubscribed")
    func passesOnDefaultFlavor() async throws {
        try await NotificationsTests.expectTimedPasses(of: CheckCatalog.notificationsStreaming, { r in
            #expect(r.facts["stream_chunked"] == "true", "\(r.facts)")
            // The client closed the connection itself as soon as ModifiedEvent came: no minute-long wait.
            #expect(r.facts["stream_ending"] == "client-closed", "\(r.facts)")
        }) { report, simulator in
            let operations = simulator.requestLog.compactMap(\.operation)
            #expect(operations.filter { $0 == "GetStreamingEvents" }.count == simulator.mailboxesInScope.count)
            // Two pull subscriptions (notifications.pull's, notifications.subscriptions-held's) and one
            // streaming subscription per mailbox, each ended.
            #expect(operations.filter { $0 == "Subscribe" }.count == 3 * simulator.mailboxesInScope.count)
            #expect(operations.filter { $0 == "Unsubscribe" }.count == 3 * simulator.mailboxesInScope.count)
            #expect(report.results.allSatisfy { $0.outcome == .passed }, "\(report.results.filter { $0.outcome != .passed }.map(\.message))")
            #expect(simulator.tenant.allItems().isEmpty)
        }
    }

    @Test("a stream that stays open but never carries the item events fails notifications.streaming as silent")
    func streamingEventsMissing() async throws {
        try await Self.expect(.streamingEventsMissing,
                              failing: ["no CreatedEvent or NewMailEvent for the new voicemail (ItemId", "arrived on the open stream within 4000 ms of the CreateItem answer",
                                        "the streaming subscription stays silent; the lamp would not light"])
    }

    @Test("a GetStreamingEvents answer held back until the connection closes fails notifications.streaming as buffered")
    func streamingBuffered() async throws {
        try await Self.expect(.streamingBuffered,
                              failing: ["no CreatedEvent or NewMailEvent", "not even its response head, while its connection was open: the response is buffered until the connection closes"])
    }

    @Test("a missing event is explained by what the stream showed: no head, a Content-Length, ConnectionStatus Closed, an error, silence")
    func missingEventDiagnoses() {
        let now = ContinuousClock.now
        func why(_ seen: EventStreamWatch.Seen) -> String {
            CheckContext.missing("no ModifiedEvent", after: "the UpdateItem answer", seen, bound: 4000, light: "the lamp would not go off")
        }
        var seen = EventStreamWatch.Seen()
        #expect(why(seen).contains("not even its response head"))
        seen.head = (200, false, now)
        #expect(why(seen).contains("answered with a Content-Length, not in chunks"))
        seen.head = (200, true, now)
        #expect(why(seen).contains("stays silent"))
        seen.statuses = ["OK", "Closed"]
        seen.envelopes = 2
        #expect(why(seen).contains("the stream ended (ConnectionStatus Closed) after 2 envelopes, before the event"))
        seen.errors = ["ErrorNewEventStreamConnectionOpened"]
        #expect(why(seen).contains("the stream answered ErrorNewEventStreamConnectionOpened instead of events"))
        #expect(CheckContext.counted(["OK", "OK", "Closed"]) == "OK×2, Closed")
    }

    @Test("--read-only leaves out notifications.streaming: it creates a voicemail")
    func readOnlySelection() {
        let out = CheckSelection(readOnly: true).deselected()
        #expect(out[CheckCatalog.notificationsStreaming]?.contains("--read-only") == true)
        #expect(CheckRegistry.check(CheckCatalog.notificationsStreaming)?.definition.changesMailbox == true)
    }

    @Test("the envelope splitter cuts consecutive envelopes at their closing tags, whatever the pieces")
    func splitter() {
        let one = #"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="x"><s:Body>a</s:Body></s:Envelope>"#
        let two = "\r\n<Envelope><Body>b</Body></Envelope >"
        let bytes = Array((one + two + "<?xml").utf8)
        for size in [1, 3, 7, bytes.count] {
            var splitter = SOAPEnvelopeSplitter()
            var found: [String] = []
            var at = 0
            while at < bytes.count {
                found += splitter.feed(Array(bytes[at..<min(at + size, bytes.count)])).map { String(decoding: $0, as: UTF8.self) }
                at += size
            }
            #expect(found == [one, "<Envelope><Body>b</Body></Envelope >"], "pieces of \(size)")
            #expect(splitter.pendingBytes == 5)
        }
    }
}
