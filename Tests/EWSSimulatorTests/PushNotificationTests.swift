import EWSExecutor
@testable import EWSProtocol
@testable import EWSSimulator
import EWSTestSupport
import Foundation
import Synchronization
import Testing

/// Push subscriptions: the simulator POSTs `SendNotification` requests to the callback (events,
/// or a StatusEvent when idle), keeps or ends the subscription on the callback's
/// `SendNotificationResult`, and retries a failing callback by Exchange's rule until StatusFrequency.
@Suite struct PushNotificationTests {
    static let ok = RawServer.http("200 OK", headers: ["Content-Type: text/xml; charset=utf-8"], body: result("OK"))

    static func result(_ status: String) -> String {
        #"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body><SendNotificationResult xmlns="http://schemas.microsoft.com/exchange/services/2006/messages"><SubscriptionStatus>\#(status)</SubscriptionStatus></SendNotificationResult></soap:Body></soap:Envelope>"#
    }

    static func subscribe(_ s: SimulatorSession, url: String, extra: String = "") async throws -> SimulatorSession.Answer {
        try await s.send(s.envelope("<m:Subscribe><m:PushSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id=\"inbox\"/></t:FolderIds><t:EventTypes><t:EventType>NewMailEvent</t:EventType><t:EventType>CreatedEvent</t:EventType></t:EventTypes><t:StatusFrequency>1</t:StatusFrequency><t:URL>\(url)</t:URL>\(extra)</m:PushSubscriptionRequest></m:Subscribe>",
                                    impersonate: "alice@contoso.com"))
    }

    static func sendToAlice(_ s: SimulatorSession, _ subject: String) async throws {
        let a = try await s.send(s.envelope(#"<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>\#(subject)</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>alice@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>"#, impersonate: "bob@contoso.com"))
        #expect(a.codes == ["NoError"])
    }

    /// The Notification of a SendNotification request, checked against the v2017 schema.
    static func notification(_ s: SimulatorSession, _ request: CallbackListener.Request) throws -> XMLElement {
        let soap = try SOAPResponse(bytes: Array(request.body.utf8))
        let body = try #require(soap.bodyElement)
        #expect(body.name == "SendNotification")
        #expect(s.validator.validate(body).isEmpty, "SendNotification is not schema-valid: \(s.validator.validate(body))")
        let message = try #require(body.child("ResponseMessages")?.children.first)
        #expect(message.name == "SendNotificationResponseMessage" && message.child("ResponseCode")?.text == "NoError")
        return try #require(message.child("Notification"))
    }

    static func kinds(_ n: XMLElement) -> [String] { n.children.map(\.name).filter { $0.hasSuffix("Event") } }

    @Test func newMailIsPushedWithItsIdsAndWatermarks() async throws {
        let listener = try CallbackListener { _ in Self.ok }
        try await withFixture({ listener }, stop: { await $0.stop() }) { listener in
            try await SimulatorSession.with { s in
                let sub = try await Self.subscribe(s, url: "http://127.0.0.1:\(listener.port)/ews/push")
                #expect(sub.codes == ["NoError"])
                let id = try #require(sub.messages.first?.child("SubscriptionId")?.text)
                let mark = try #require(sub.messages.first?.child("Watermark")?.text)
                try await Self.sendToAlice(s, "Pushed voicemail")
                let first = try #require(await listener.requests(atLeast: 1).first)
                let n1 = try Self.notification(s, first)
                #expect(n1.child("SubscriptionId")?.text == id)
                #expect(n1.child("PreviousWatermark")?.text == mark)
                #expect(Self.kinds(n1) == ["CreatedEvent", "NewMailEvent"])
                let itemID = try #require(n1.child("NewMailEvent")?.child("ItemId")?.attribute("Id"))
                #expect(n1.child("CreatedEvent")?.child("ItemId")?.attribute("Id") == itemID)
                let got = try await s.getItem(itemID, shape: #"<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:Subject"/></t:AdditionalProperties>"#)
                #expect(got.messages.first?.path("Items", "Message", "Subject")?.text == "Pushed voicemail")
                // The callback gets no credentials, and the request says what it is.
                #expect(!first.head.lowercased().contains("authorization"))
                #expect(first.head.hasPrefix("POST /ews/push HTTP/1.1"))
                #expect(first.head.contains("SendNotification"))
                // The next notification continues from the last event's watermark.
                try await Self.sendToAlice(s, "Second voicemail")
                let second = try #require(await listener.requests(atLeast: 2).dropFirst().first)
                let n2 = try Self.notification(s, second)
                #expect(n2.child("PreviousWatermark")?.text == n1.children.last?.child("Watermark")?.text)
                #expect(Self.kinds(n2) == ["CreatedEvent", "NewMailEvent"])
                // A push subscription is not read with GetEvents.
                let pulled = try await NotificationSyncTests.events(s, id, mark)
                #expect(pulled.codes == ["ErrorInvalidPullSubscriptionId"])
            }
        }
    }

    @Test func anUnsubscribeResultEndsTheSubscription() async throws {
        let listener = try CallbackListener { _ in RawServer.http("200 OK", headers: ["Content-Type: text/xml"], body: Self.result("Unsubscribe")) }
        try await withFixture({ listener }, stop: { await $0.stop() }) { listener in
            try await SimulatorSession.with { s in
                let sub = try await Self.subscribe(s, url: "http://127.0.0.1:\(listener.port)/")
                let id = try #require(sub.messages.first?.child("SubscriptionId")?.text)
                try await Self.sendToAlice(s, "Last one")
                let seen = await listener.requests(atLeast: 1)
                #expect(seen.count >= 1)
                #expect(await s.simulator.tenant.subscriptions.wait(for: id) { $0 == nil })
                let unsubscribe = try await s.send(s.envelope("<m:Unsubscribe><m:SubscriptionId>\(id)</m:SubscriptionId></m:Unsubscribe>", impersonate: "alice@contoso.com"))
                #expect(unsubscribe.codes == ["ErrorSubscriptionNotFound"])
            }
        }
    }

    @Test func statusEventsArriveEveryStatusFrequency() async throws {
        let listener = try CallbackListener { _ in Self.ok }
        try await withFixture({ listener }, stop: { await $0.stop() }) { listener in
            try await SimulatorSession.with(configure: { $0.pushStatusFrequencySeconds = 1 }) { s in
                let sub = try await Self.subscribe(s, url: "http://127.0.0.1:\(listener.port)/")
                let mark = try #require(sub.messages.first?.child("Watermark")?.text)
                let seen = await listener.requests(atLeast: 2)
                try #require(seen.count >= 2)
                let n1 = try Self.notification(s, seen[0])
                let n2 = try Self.notification(s, seen[1])
                #expect(Self.kinds(n1) == ["StatusEvent"] && Self.kinds(n2) == ["StatusEvent"])
                #expect(n1.child("PreviousWatermark")?.text == mark)
                #expect(n2.child("PreviousWatermark")?.text == n1.child("StatusEvent")?.child("Watermark")?.text)
            }
        }
    }

    /// A silent callback (no answer in time), then one answering 500: the notification is sent
    /// again at 1, 2, 4, 8, 16 × the first retry time after the first attempt, while that is
    /// within StatusFrequency (here 2 s: 0.1 … 1.6 s), then the subscription ends.
    @Test func aFailingCallbackIsRetriedThenTheSubscriptionEnds() async throws {
        // The first attempt gets no answer, the later ones a 500.
        let answered = Counter()
        let attempts = try CallbackListener { _ in
            answered.count.locked { n in
                n += 1
                return n == 1 ? nil : RawServer.http("500 Internal Server Error")
            }
        }
        try await withFixture({ attempts }, stop: { await $0.stop() }) { attempts in
            try await SimulatorSession.with(configure: {
                $0.pushStatusFrequencySeconds = 2
                $0.pushFirstRetryMilliseconds = 100
                $0.pushResponseTimeoutSeconds = 1
            }) { s in
                let sub = try await Self.subscribe(s, url: "http://127.0.0.1:\(attempts.port)/")
                let id = try #require(sub.messages.first?.child("SubscriptionId")?.text)
                try await Self.sendToAlice(s, "Nobody listens")
                #expect(await s.simulator.tenant.subscriptions.wait(for: id) { $0 == nil })
                let seen = attempts.requests
                #expect(seen.count == 6, "attempts: \(seen.count)")
                let marks = Set(try seen.map { try Self.notification(s, $0).child("PreviousWatermark")?.text ?? "" })
                #expect(marks.count == 1, "every attempt carries the same notification")
            }
        }
    }

    @Test func aCallbackThatNeverAnswersIsRetried() async throws {
        let silent = try CallbackListener { _ in nil }
        try await withFixture({ silent }, stop: { await $0.stop() }) { silent in
            try await SimulatorSession.with(configure: {
                $0.pushStatusFrequencySeconds = 1
                $0.pushFirstRetryMilliseconds = 400
                $0.pushResponseTimeoutSeconds = 0.3
            }) { s in
                let sub = try await Self.subscribe(s, url: "http://127.0.0.1:\(silent.port)/")
                let id = try #require(sub.messages.first?.child("SubscriptionId")?.text)
                try await Self.sendToAlice(s, "Into the void")
                // Attempts at 0 and 0.4 s; 0.8 s is within 1 s too; 1.6 s is not.
                #expect(await s.simulator.tenant.subscriptions.wait(for: id) { $0 == nil })
                #expect(silent.requests.count == 3, "attempts: \(silent.requests.count)")
            }
        }
    }

    /// A count the listener's reply closure shares.
    final class Counter: Sendable {
        let count = Mutex(0)
    }

    @Test func callbackURLsAreHTTPOrHTTPSWithoutCredentials() async throws {
        try await SimulatorSession.with { s in
            let ftp = try await Self.subscribe(s, url: "ftp://listener.contoso.com/")
            let userinfo = try await Self.subscribe(s, url: "https://user:secret@listener.contoso.com/")
            let relative = try await Self.subscribe(s, url: "/callback")
            let callerData = try await Self.subscribe(s, url: "https://listener.contoso.com/", extra: "<t:CallerData>x</t:CallerData>")
            #expect(ftp.codes == ["ErrorInvalidPushSubscriptionUrl"])
            #expect(userinfo.codes == ["ErrorInvalidPushSubscriptionUrl"])
            #expect(relative.codes == ["ErrorInvalidPushSubscriptionUrl"])
            #expect(callerData.codes == ["ErrorInvalidOperation"])
        }
    }
}
