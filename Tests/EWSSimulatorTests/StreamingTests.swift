import EWSExecutor
@testable import EWSProtocol
@testable import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Synchronization
import Testing

/// GetStreamingEvents: a chunked stream of schema-valid envelopes with the mailbox's events, closed
/// after the connection timeout; a newer stream for the subscription ends the older one.
@Suite struct StreamingTests {
    static func subscribe(_ s: SimulatorSession) async throws -> String {
        let a = try await s.send(s.envelope("<m:Subscribe><m:StreamingSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id=\"inbox\"/></t:FolderIds><t:EventTypes><t:EventType>NewMailEvent</t:EventType><t:EventType>CreatedEvent</t:EventType></t:EventTypes></m:StreamingSubscriptionRequest></m:Subscribe>", impersonate: "alice@contoso.com"))
        #expect(a.codes == ["NoError"])
        #expect(a.messages.first?.child("Watermark") == nil, "streaming subscriptions hand out no watermark")
        return try #require(a.messages.first?.child("SubscriptionId")?.text)
    }

    /// Sends GetStreamingEvents and returns the envelopes of the whole stream (each schema-checked).
    static func stream(_ s: SimulatorSession, _ id: String) async throws -> [XMLElement] {
        let xml = s.envelope("<m:GetStreamingEvents><m:SubscriptionIds><t:SubscriptionId>\(id)</t:SubscriptionId></m:SubscriptionIds><m:ConnectionTimeout>1</m:ConnectionTimeout></m:GetStreamingEvents>", impersonate: "alice@contoso.com")
        let response = try await s.transport.send(HTTPRequest(method: "POST", url: s.simulator.ewsURL, headers: [HTTPHeader("Content-Type", "text/xml; charset=utf-8")], body: Array(xml.utf8)))
        #expect(response.status == 200)
        var messages: [XMLElement] = []
        for part in response.text.components(separatedBy: "<?xml").dropFirst() {
            let soap = try SOAPResponse(bytes: Array(("<?xml" + part).utf8))
            let body = try #require(soap.bodyElement)
            #expect(s.validator.validate(body).isEmpty, "stream envelope is not schema-valid")
            messages += body.child("ResponseMessages")?.children ?? []
        }
        return messages
    }

    /// Waits (an event, bounded) until the subscription has had `count` stream connections.
    static func waitForStream(_ s: SimulatorSession, _ id: String, count: Int) async throws {
        await s.simulator.tenant.subscriptions.wait(for: id) { ($0?.streamToken ?? 0) >= count }
        #expect(s.simulator.tenant.subscriptions.subscription(id)?.streamToken == count)
    }

    @Test func newMailArrivesOnTheStreamWhichThenCloses() async throws {
        try await SimulatorSession.with { s in
            let id = try await Self.subscribe(s)
            let sent = try await s.send(s.envelope(#"<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>Voicemail</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>alice@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>"#, impersonate: "bob@contoso.com"))
            async let messages = Self.stream(s, id)
            try await Self.waitForStream(s, id, count: 1)
            s.simulator.tenant.subscriptions.advanceClock(by: 61)
            let all = try await messages
            #expect(sent.codes == ["NoError"])
            let events = all.flatMap { $0.child("Notifications")?.children.flatMap { $0.children.map(\.name) } ?? [] }
            #expect(events.filter { $0.hasSuffix("Event") } == ["CreatedEvent", "NewMailEvent"])
            #expect(all.last?.child("ConnectionStatus")?.text == "Closed")
            #expect(all.allSatisfy { $0.child("ResponseCode")?.text == "NoError" })
        }
    }

    @Test func aNewerStreamEndsTheOlderOne() async throws {
        try await SimulatorSession.with { s in
            let id = try await Self.subscribe(s)
            async let first = Self.stream(s, id)
            try await Self.waitForStream(s, id, count: 1)
            async let second = Self.stream(s, id)
            try await Self.waitForStream(s, id, count: 2)
            let older = try await first
            s.simulator.tenant.subscriptions.advanceClock(by: 61)
            let newer = try await second
            let pull = try await s.send(s.envelope("<m:GetEvents><m:SubscriptionId>\(id)</m:SubscriptionId><m:Watermark>AAAAAAAAAAAAAAAAAQ==</m:Watermark></m:GetEvents>", impersonate: "alice@contoso.com"))
            #expect(older.last?.child("ResponseCode")?.text == "ErrorNewEventStreamConnectionOpened")
            #expect(older.last?.path("ErrorSubscriptionIds", "SubscriptionId")?.text == id)
            #expect(newer.last?.child("ConnectionStatus")?.text == "Closed")
            #expect(pull.codes == ["ErrorInvalidPullSubscriptionId"])
        }
    }

    /// What a streamed request showed its observer.
    final class Parts: Sendable {
        let heads = Mutex<[(Int, Bool)]>([])
        let body = Mutex<String>("")
        /// Records a part; false (close) once `closeOn` has arrived in the body.
        func take(_ part: HTTPStreamPart, closeOn: String?) -> Bool {
            switch part {
            case .head(let status, let headers):
                heads.locked { $0.append((status, headers.all("Transfer-Encoding").contains("chunked"))) }
                return true
            case .body(let bytes):
                let text = body.locked { $0 += String(decoding: bytes, as: UTF8.self); return $0 }
                return closeOn.map { !text.contains($0) } ?? true
            }
        }
    }

    static func streamRequest(_ s: SimulatorSession, _ id: String, connectionTimeout minutes: Int = 1) -> HTTPRequest {
        let xml = s.envelope("<m:GetStreamingEvents><m:SubscriptionIds><t:SubscriptionId>\(id)</t:SubscriptionId></m:SubscriptionIds><m:ConnectionTimeout>\(minutes)</m:ConnectionTimeout></m:GetStreamingEvents>", impersonate: "alice@contoso.com")
        return HTTPRequest(method: "POST", url: s.simulator.ewsURL, headers: [HTTPHeader("Content-Type", "text/xml; charset=utf-8")], body: Array(xml.utf8))
    }

    @Test("the transport hands a chunked stream over as it arrives, and closes it the moment the observer says so")
    func transportClosesTheStreamWhenTheObserverAsks() async throws {
        try await SimulatorSession.with { s in
            let id = try await Self.subscribe(s)
            let sent = try await s.send(s.envelope(#"<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>Voicemail</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>alice@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>"#, impersonate: "bob@contoso.com"))
            let parts = Parts()
            // The window is far longer than the test may take: only the observer can end it in time.
            let result = try await s.transport.stream(Self.streamRequest(s, id), window: 600) { parts.take($0, closeOn: "NewMailEvent") }
            #expect(sent.codes == ["NoError"])
            #expect(result.ending == .clientClosed)
            #expect(result.response.status == 200)
            #expect(parts.heads.locked { $0.map(\.0) } == [200])
            #expect(parts.heads.locked { $0.first?.1 } == true, "the stream is chunked")
            #expect(result.response.text.contains("NewMailEvent") && !result.response.text.contains("Closed"))
            #expect(result.response.exchange.error == nil)
        }
    }

    @Test("a quiet stream is kept alive: a ConnectionStatus OK envelope comes every keep-alive interval, the stream stays open")
    func aQuietStreamIsKeptAlive() async throws {
        try await SimulatorSession.with(configure: { $0.streamingKeepAliveSeconds = 1 }) { s in
            let id = try await Self.subscribe(s)
            let parts = Parts()
            // Nothing happens in the mailbox: only a keep-alive can end the wait before the window.
            let result = try await s.transport.stream(Self.streamRequest(s, id), window: 30) {
                parts.take($0, closeOn: "<m:ConnectionStatus>OK</m:ConnectionStatus>")
            }
            #expect(result.ending == .clientClosed)
            #expect(result.response.status == 200)
            #expect(!result.response.text.contains("Closed") && !result.response.text.contains("Event>"))
        }
    }

    @Test("a stream still open when its window ends is an answer with what arrived, not an error")
    func transportEndsASilentStreamWithItsWindow() async throws {
        try await SimulatorSession.with { s in
            let id = try await Self.subscribe(s)
            let parts = Parts()
            let result = try await s.transport.stream(Self.streamRequest(s, id), window: 0.5) { parts.take($0, closeOn: nil) }
            #expect(result.ending == .windowElapsed)
            #expect(result.response.status == 200)
            #expect(parts.heads.locked { $0.map(\.0) } == [200])
        }
    }

    @Test("streaming-buffered: nothing arrives while the stream is open; at its end it comes whole, with a Content-Length")
    func bufferedStreamArrivesOnlyWhole() async throws {
        try await SimulatorSession.with(quirks: [.streamingBuffered]) { s in
            let id = try await Self.subscribe(s)
            let silent = Parts()
            let first = try await s.transport.stream(Self.streamRequest(s, id), window: 0.5) { silent.take($0, closeOn: nil) }
            #expect(first.ending == .windowElapsed)
            #expect(first.response.status == 0, "not even the head came")
            #expect(silent.heads.locked { $0.isEmpty })
            let whole = Parts()
            async let second = s.transport.stream(Self.streamRequest(s, id), window: 30) { whole.take($0, closeOn: nil) }
            try await Self.waitForStream(s, id, count: 2)
            s.simulator.tenant.subscriptions.advanceClock(by: 61)
            let ended = try await second
            #expect(ended.ending == .serverClosed)
            #expect(whole.heads.locked { $0.map(\.0) } == [200])
            #expect(whole.heads.locked { $0.first?.1 } == false, "sent with a Content-Length, not chunked")
            #expect(ended.response.text.contains("<m:ConnectionStatus>Closed</m:ConnectionStatus>"))
        }
    }

    @Test("streaming-events-missing: the stream stays open and keeps alive but carries no item event")
    func streamWithoutItemEvents() async throws {
        try await SimulatorSession.with(quirks: [.streamingEventsMissing]) { s in
            let id = try await Self.subscribe(s)
            _ = try await s.send(s.envelope(#"<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>Voicemail</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>alice@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>"#, impersonate: "bob@contoso.com"))
            async let messages = Self.stream(s, id)
            try await Self.waitForStream(s, id, count: 1)
            s.simulator.tenant.subscriptions.advanceClock(by: 61)
            let all = try await messages
            let events = all.flatMap { $0.child("Notifications")?.children.flatMap { $0.children.map(\.name) } ?? [] }
            #expect(events.filter { $0.hasSuffix("Event") }.isEmpty, "\(events)")
            #expect(all.last?.child("ConnectionStatus")?.text == "Closed")
        }
    }
}
