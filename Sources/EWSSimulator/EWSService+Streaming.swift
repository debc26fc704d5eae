private import EWSExecutor
import EWSProtocol
import Foundation
import Synchronization

/// A response body that is produced over time: polled on the connection's event loop until done.
protocol ResponseStream: Sendable {
    /// How often to poll, in milliseconds.
    var pollMilliseconds: Int { get }
    /// The chunks ready now, and whether the response is complete after them.
    func poll() -> (chunks: [String], done: Bool)
    /// Whether the whole response is held back until it is complete, then sent with a Content-Length.
    var buffered: Bool { get }
}

extension ResponseStream {
    var buffered: Bool { false }
}

extension EWSService {
    /// GetStreamingEvents: a chunked stream of complete SOAP envelopes, one per batch of events
    /// (and a keep-alive `ConnectionStatus` OK when idle), closed with `Closed` after the
    /// ConnectionTimeout. A newer stream for the same subscription ends this one with
    /// `ErrorNewEventStreamConnectionOpened`. Refusals come as one ordinary envelope.
    func streamingEvents(_ request: XMLElement, _ context: RequestContext) throws -> (SimulatedResponse, [String]) {
        let ids = request.child("SubscriptionIds")?.children("SubscriptionId").map { $0.text.trimmingCharacters(in: .whitespaces) } ?? []
        let minutes = request.child("ConnectionTimeout").flatMap { Int($0.text.trimmingCharacters(in: .whitespaces)) } ?? 30
        func refuse(_ error: EWSError, _ id: String?) -> (SimulatedResponse, [String]) {
            var message = SOAPWriter.error("GetStreamingEvents", error)
            if let id {
                message = message.replacingOccurrences(of: "</m:GetStreamingEventsResponseMessage>",
                                                       with: "<m:ErrorSubscriptionIds><t:SubscriptionId>\(id.xmlEscaped)</t:SubscriptionId></m:ErrorSubscriptionIds></m:GetStreamingEventsResponseMessage>")
            }
            let xml = SOAPWriter.envelope(flavor: flavor, body: SOAPWriter.operationResponse("GetStreamingEvents", messages: [message]))
            return (.xml(200, xml), [error.code])
        }
        guard (1...30).contains(minutes) else { return refuse(EWSError("ErrorInvalidRequest", "ConnectionTimeout must be between 1 and 30 minutes."), nil) }
        guard !ids.isEmpty, ids.count <= 200 else { return refuse(EWSError("ErrorInvalidRequest", "Between 1 and 200 subscription ids are allowed."), nil) }
        var tokens: [String: Int] = [:]
        for id in ids {
            do throws(EWSError) {
                let sub = try usableSubscription(id, context)
                guard sub.streaming else { throw EWSError("ErrorInvalidSubscription", "The subscription is not a streaming subscription.") }
            } catch {
                return refuse(error, id)
            }
        }
        for id in ids {
            tokens[id] = tenant.subscriptions.update(id) { $0.streamToken += 1 }?.streamToken ?? 0
        }
        let session = StreamingEventsSession(service: self, subscriptionIDs: ids, tokens: tokens,
                                             deadline: tenant.subscriptions.now.addingTimeInterval(Double(minutes * 60)),
                                             keepAlive: TimeInterval(streamingKeepAliveSeconds),
                                             itemEventsDropped: quirks.contains(.streamingEventsMissing), buffered: quirks.contains(.streamingBuffered))
        var response = SimulatedResponse(status: 200, headers: [("Content-Type", "text/xml; charset=utf-8")], body: [])
        response.stream = session
        return (response, ["NoError"])
    }

    /// One envelope of a stream.
    func streamingEnvelope(_ message: String) -> String {
        SOAPWriter.envelope(flavor: flavor, body: SOAPWriter.operationResponse("GetStreamingEvents", messages: [message]))
    }
}

/// The state of one GetStreamingEvents connection.
final class StreamingEventsSession: ResponseStream, Sendable {
    // Often enough that a change reaches the stream well inside the tightest latency limits tests use.
    let pollMilliseconds = 25
    private let service: EWSService
    private let subscriptionIDs: [String]
    private let tokens: [String: Int]
    private let deadline: Date
    private let keepAlive: TimeInterval
    /// `streaming-events-missing`: item events are left out of the stream.
    private let itemEventsDropped: Bool
    /// `streaming-buffered`: the handler holds the response until it is done.
    let buffered: Bool
    /// When the stream last carried an envelope (polls run on one event loop, but stay safe).
    private let lastSent = Mutex(Date())

    init(service: EWSService, subscriptionIDs: [String], tokens: [String: Int], deadline: Date, keepAlive: TimeInterval,
         itemEventsDropped: Bool = false, buffered: Bool = false) {
        self.itemEventsDropped = itemEventsDropped
        self.buffered = buffered
        self.service = service
        self.subscriptionIDs = subscriptionIDs
        self.tokens = tokens
        self.deadline = deadline
        self.keepAlive = keepAlive
    }

    func poll() -> (chunks: [String], done: Bool) {
        lastSent.locked { lastSent in
            let registry = service.tenant.subscriptions
            let now = registry.now
            var notifications = ""
            for id in subscriptionIDs {
                guard let sub = registry.subscription(id) else {
                    let error = EWSError("ErrorSubscriptionNotFound", "The specified subscription was not found.")
                    return ([service.streamingEnvelope(Self.error(error, id))], true)
                }
                guard sub.streamToken == tokens[id] else {
                    let error = EWSError("ErrorNewEventStreamConnectionOpened", "A newer stream was opened for this subscription.")
                    return ([service.streamingEnvelope(Self.error(error, id))], true)
                }
                let current = service.snapshot(sub.mailbox)
                let old = sub.lastWatermark.flatMap { registry.snapshot(at: $0, mailbox: sub.mailbox) } ?? current
                let events = EWSService.events(for: sub, from: old, to: current).filter { !itemEventsDropped || $0.isFolder }
                var next = sub.lastWatermark ?? ""
                if !events.isEmpty || sub.lastWatermark == nil {
                    next = registry.watermark(for: current, mailbox: sub.mailbox)
                }
                registry.update(id) {
                    $0.lastUsed = now
                    $0.lastWatermark = next
                }
                if !events.isEmpty {
                    notifications += "<t:Notification><t:SubscriptionId>\(id)</t:SubscriptionId>"
                        + service.eventsXML(events, sub: sub, old: old, current: current, next: next, at: now) + "</t:Notification>"
                }
            }
            var chunks: [String] = []
            let ok = "<m:ConnectionStatus>OK</m:ConnectionStatus>"
            if !notifications.isEmpty {
                chunks.append(service.streamingEnvelope(SOAPWriter.success("GetStreamingEvents", payload: "<m:Notifications>\(notifications)</m:Notifications>\(ok)")))
                lastSent = Date()
            } else if Date().timeIntervalSince(lastSent) >= keepAlive {
                chunks.append(service.streamingEnvelope(SOAPWriter.success("GetStreamingEvents", payload: ok)))
                lastSent = Date()
            }
            if now >= deadline {
                chunks.append(service.streamingEnvelope(SOAPWriter.success("GetStreamingEvents", payload: "<m:ConnectionStatus>Closed</m:ConnectionStatus>")))
                return (chunks, true)
            }
            return (chunks, false)
        }
    }

    private static func error(_ error: EWSError, _ id: String) -> String {
        SOAPWriter.error("GetStreamingEvents", error).replacingOccurrences(
            of: "</m:GetStreamingEventsResponseMessage>",
            with: "<m:ErrorSubscriptionIds><t:SubscriptionId>\(id.xmlEscaped)</t:SubscriptionId></m:ErrorSubscriptionIds><m:ConnectionStatus>Closed</m:ConnectionStatus></m:GetStreamingEventsResponseMessage>")
    }
}
