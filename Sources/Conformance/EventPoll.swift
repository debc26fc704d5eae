import EWSProtocol
import EWSTransport
import Foundation

/// Polling one pull subscription with GetEvents, each call continuing from the watermark the
/// previous one ended with.
struct EventPoll {
    /// What one wait saw: the event kinds found for the item (ms after the wait began) and the
    /// GetEvents exchanges that carried them.
    struct Arrival {
        var seen: [String: Int] = [:]
        var exchanges: [HTTPExchange?] = []
    }

    let subscription: PullSubscription
    /// The latency limit, in milliseconds.
    let limit: Int
    /// How long a wait goes on: the limit and then as long again (at least 2 s), so a late event
    /// is told from a missing one.
    var bound: Int { limit + max(limit, 2000) }
    /// The pause between calls that found nothing.
    var interval: Int { min(max(limit / 40, 20), 250) }
    private(set) var watermark: String
    private(set) var calls = 0

    init(subscription: PullSubscription, limit: Int) {
        self.subscription = subscription
        self.limit = limit
        watermark = subscription.watermark
    }

    /// Calls GetEvents until one of `kinds` is reported for `item` or the bound has passed; a lost
    /// subscription, a refused watermark or a discontinuous one ends the wait with a failure.
    mutating func wait(_ kinds: Set<String>, for item: String, suite: CheckContext, mailbox: String) async -> Result<Arrival, VerdictBox> {
        let clock = ContinuousClock()
        let start = clock.now
        var arrival = Arrival()
        var last: HTTPExchange?
        while true {
            let call = await suite.client.perform(GetEvents(subscriptionID: subscription.id, watermark: watermark),
                                                  impersonating: suite.connectingSID(mailbox))
            calls += 1
            let elapsed = Self.milliseconds(clock.now - start)
            guard call.messages.count == 1, let m = call.messages.first, m.responseClass == .success, let n = m.payload else {
                let code = call.messages.first?.responseCode ?? ""
                let facts = CheckContext.callFacts(call)
                if ["ErrorSubscriptionNotFound", "ErrorExpiredSubscription", "ErrorInvalidSubscription", "ErrorInvalidPullSubscriptionId"].contains(code) {
                    return .failure(VerdictBox(.failed("the subscription was lost: GetEvents call \(calls), \(elapsed) ms into the wait, answered \(code) for the subscription Subscribe had just made",
                                                       arrival.exchanges + [last, call.exchange], facts: facts)))
                }
                if code == "ErrorInvalidWatermark" {
                    return .failure(VerdictBox(.failed("watermark discontinuity: GetEvents call \(calls) refused the watermark the provider itself had handed out (ErrorInvalidWatermark)",
                                                       arrival.exchanges + [last, call.exchange], facts: facts)))
                }
                return .failure(VerdictBox(suite.failure(of: call, doing: "GetEvents call \(calls) of the Inbox subscription").citing(before: arrival.exchanges)))
            }
            guard n.previousWatermark == watermark else {
                return .failure(VerdictBox(.failed("watermark discontinuity: GetEvents call \(calls) was asked to continue from watermark \(watermark) but its notification says PreviousWatermark \(n.previousWatermark ?? "(absent)"): events in between may be lost",
                                                   arrival.exchanges + [call.exchange], facts: ["watermark_sent": watermark, "previous_watermark": n.previousWatermark ?? "absent"])))
            }
            guard let next = n.lastWatermark, !next.isEmpty else {
                return .failure(VerdictBox(.failed("GetEvents call \(calls) answered a notification whose last event carries no Watermark to continue from",
                                                   arrival.exchanges + [call.exchange])))
            }
            watermark = next
            last = call.exchange
            var found = false
            for e in n.events where e.itemID == item && kinds.contains(e.kind) && arrival.seen[e.kind] == nil {
                arrival.seen[e.kind] = elapsed
                found = true
            }
            if found { arrival.exchanges.append(call.exchange) }
            if n.moreEvents { continue }
            if !arrival.seen.isEmpty || elapsed >= bound {
                if arrival.seen.isEmpty { arrival.exchanges.append(call.exchange) }
                return .success(arrival)
            }
            do {
                try await Task.sleep(for: .milliseconds(interval))
            } catch {
                return .failure(VerdictBox(.errored("interrupted while waiting for notifications (\(calls) GetEvents calls)", arrival.exchanges + [last])))
            }
        }
    }

    static func milliseconds(_ d: Duration) -> Int {
        Int(d.components.seconds) * 1000 + Int(d.components.attoseconds / 1_000_000_000_000_000)
    }
}
