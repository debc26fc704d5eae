import EWSExecutor
@testable import EWSProtocol
@testable import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Synchronization
import Testing

/// Subscriptions survive a long run: many GetEvents and GetStreamingEvents calls with mail arriving
/// between and during them, spread over hours of the simulator's clock (advanced, so the run takes
/// seconds), each subscription staying valid well past its timeout because it is used, with a
/// continuous watermark and every event reported exactly once.
@Suite struct SubscriptionLongRunTests {
    static func sendMail(_ s: SimulatorSession, _ subject: String) async throws {
        let sent = try await s.send(s.envelope(#"<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>\#(subject)</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>alice@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>"#, impersonate: "bob@contoso.com"))
        #expect(sent.codes == ["NoError"], "\(sent.text)")
    }

    /// The ids of every item in alice's Inbox.
    static func inbox(_ s: SimulatorSession) async throws -> Set<String> {
        Set(SimulatorSession.ids(try await s.findItem(#"<m:IndexedPageItemView MaxEntriesReturned="1000" Offset="0" BasePoint="Beginning"/>"#)))
    }

    @Test("a pull subscription polled 30 times over 45 minutes (timeout 2) stays valid, its watermark continuous, no mail missed or repeated")
    func aPullSubscriptionSurvivesALongRun() async throws {
        try await SimulatorSession.with { s in
            let sub = try await NotificationSyncTests.subscribe(s, types: ["NewMailEvent"], timeout: 2)
            var mark = sub.watermark
            var reported: [String] = []
            var marks: Set<String> = [mark]
            var sent = 0
            for round in 1...30 {
                // 90 s between polls: under the 2-minute timeout each time, 45 minutes in all.
                s.simulator.tenant.subscriptions.advanceClock(by: 90)
                let mails = round % 3 == 0 ? 0 : round % 3   // quiet rounds, one mail, two mails
                for n in 0..<mails { try await Self.sendMail(s, "round \(round) mail \(n)") }
                sent += mails
                let a = try await NotificationSyncTests.events(s, sub.id, mark)
                try #require(a.codes == ["NoError"], "round \(round): \(a.text)")
                let notification = a.messages.first?.child("Notification")
                #expect(notification?.child("PreviousWatermark")?.text == mark, "round \(round): the watermark is continuous")
                #expect(NotificationSyncTests.kinds(a) == (mails == 0 ? ["StatusEvent"] : Array(repeating: "NewMailEvent", count: mails)), "round \(round)")
                reported += (notification?.children("NewMailEvent") ?? []).compactMap { $0.child("ItemId")?.attribute("Id") }
                let next = try #require(NotificationSyncTests.lastWatermark(a))
                if mails > 0 { #expect(!marks.contains(next), "round \(round): a new event has a new watermark") }
                marks.insert(next)
                mark = next
            }
            #expect(sent == 30)
            #expect(reported.count == sent && Set(reported).count == sent, "every mail reported exactly once")
            #expect(Set(reported) == (try await Self.inbox(s)), "the events name the mail that arrived")
            // The timeout still holds: left unused past it, the subscription is gone.
            s.simulator.tenant.subscriptions.advanceClock(by: 121)
            #expect(try await NotificationSyncTests.events(s, sub.id, mark).codes == ["ErrorExpiredSubscription"])
        }
    }

    /// What one stream connection carried, and when to end it.
    final class StreamBody: Sendable {
        let text = Mutex("")
        /// Records a body part; false (close) once the body ends with a whole envelope and `done` says so.
        func take(_ part: HTTPStreamPart, until done: (String) -> Bool) -> Bool {
            guard case .body(let bytes) = part else { return true }
            let body = text.locked { $0 += String(decoding: bytes, as: UTF8.self); return $0 }
            return !(body.trimmingCharacters(in: .whitespacesAndNewlines).hasSuffix("Envelope>") && done(body))
        }
    }

    /// Opens a stream for the subscription and closes it once `done` says so of what arrived (or
    /// the window ends), handing back the stream's response messages, each envelope schema-checked.
    static func streamed(_ s: SimulatorSession, _ id: String, window: Double = 120, until done: @escaping @Sendable (String) -> Bool,
                         sourceLocation: SourceLocation = #_sourceLocation) async throws -> (ending: HTTPStreamResult.Ending, messages: [XMLElement], text: String) {
        let body = StreamBody()
        // ConnectionTimeout 30 minutes (Exchange's most): the stream ends when the test has what it
        // waits for, never because a loaded machine took a minute to deliver two mails.
        let request = StreamingTests.streamRequest(s, id, connectionTimeout: 30)
        let result = try await s.transport.stream(request, window: window) { body.take($0, until: done) }
        #expect(result.response.status == 200, sourceLocation: sourceLocation)
        var messages: [XMLElement] = []
        for part in result.response.text.components(separatedBy: "<?xml").dropFirst() {
            let soap = try SOAPResponse(bytes: Array(("<?xml" + part).utf8))
            let envelope = try #require(soap.bodyElement, sourceLocation: sourceLocation)
            #expect(s.validator.validate(envelope).isEmpty, "stream envelope is not schema-valid", sourceLocation: sourceLocation)
            messages += envelope.child("ResponseMessages")?.children ?? []
        }
        return (result.ending, messages, result.response.text)
    }

    /// The events of a stream's response messages, in order.
    static func events(_ messages: [XMLElement]) -> [XMLElement] {
        messages.flatMap { ($0.child("Notifications")?.children ?? []).flatMap { $0.children.filter { $0.name.hasSuffix("Event") } } }
    }

    @Test("a streaming subscription reconnected 8 times over 160 minutes (timeout 30) stays valid; mail before and during each connection arrives once",
          .disabled("passes alone, but beside other suites a round's mails did not both arrive within the 120 s window (.windowElapsed, or .serverClosed at ConnectionTimeout 1): cause not found yet (issue 9)"))
    func aStreamingSubscriptionSurvivesALongRun() async throws {
        try await SimulatorSession.with { s in
            let id = try await StreamingTests.subscribe(s)
            var reported: [String] = []
            var marks: [String] = []
            for round in 1...8 {
                // 20 minutes without a connection: under the 30-minute timeout each time.
                if round > 1 { s.simulator.tenant.subscriptions.advanceClock(by: 20 * 60) }
                // One mail while no stream is open (it must wait for the next), one while the stream is open.
                try await Self.sendMail(s, "round \(round) before")
                async let streamed = Self.streamed(s, id) { $0.components(separatedBy: "<t:NewMailEvent>").count - 1 >= 2 }
                try await StreamingTests.waitForStream(s, id, count: round)
                try await Self.sendMail(s, "round \(round) during")
                let result = try await streamed
                try #require(result.ending == .clientClosed, "round \(round): both mails arrived before the window: \(result.text.suffix(600))")
                #expect(result.messages.allSatisfy { $0.child("ResponseCode")?.text == "NoError" }, "round \(round)")
                let events = Self.events(result.messages)
                marks += events.compactMap { $0.child("Watermark")?.text }
                reported += events.filter { $0.name == "NewMailEvent" }.compactMap { $0.child("ItemId")?.attribute("Id") }
                #expect(reported.count == 2 * round, "round \(round): two mails, two NewMailEvents, none from an earlier round again")
            }
            #expect(Set(reported).count == 16, "every mail reported exactly once")
            #expect(Set(reported) == (try await Self.inbox(s)), "the events name the mail that arrived")
            #expect(Set(marks).count == marks.count && marks.count == 32, "each event (Created and NewMail) has a watermark of its own")
            // The timeout still holds: 31 minutes without a connection end the subscription.
            s.simulator.tenant.subscriptions.advanceClock(by: 31 * 60)
            // The refusal is one ordinary envelope, not a stream.
            let late = try await s.send(s.envelope("<m:GetStreamingEvents><m:SubscriptionIds><t:SubscriptionId>\(id)</t:SubscriptionId></m:SubscriptionIds><m:ConnectionTimeout>1</m:ConnectionTimeout></m:GetStreamingEvents>", impersonate: "alice@contoso.com"))
            #expect(late.codes == ["ErrorExpiredSubscription"], "\(late.text.suffix(600))")
        }
    }
}
