import EWSProtocol
import EWSTransport
import Foundation

extension CheckContext {
    /// The event types the product's pull subscription asks for.
    static let lampEventTypes = ["NewMailEvent", "CreatedEvent", "ModifiedEvent"]

    /// `ErrorExceededSubscriptionCount` answering a Subscribe, as the failure it is; nil for any other answer.
    static func subscriptionBudgetSpent<P>(_ subscribe: EWSCall<P>, doing what: String) -> Verdict? {
        guard subscribe.messages.first?.responseCode == "ErrorExceededSubscriptionCount" else { return nil }
        return .failed("\(what) answered ErrorExceededSubscriptionCount: the subscription budget (EWSMaxSubscriptions: charged to this mailbox by Exchange 2010 SP2 RU4 and later, 20 in Exchange Online; to the service account by a provider that charges the caller, which notifications.subscriptions-held names) is used up, so the product cannot hold its subscription for it",
                       [subscribe.exchange], facts: callFacts(subscribe))
    }

    /// Subscribe (pull) on the Inbox, an unread voicemail and its read flag seen through GetEvents
    /// within the target's latency limit, watermarks continuous, then Unsubscribe.
    func pullNotifications(_ mailbox: String) async -> Verdict {
        let limit = target.notificationLatencyMilliseconds
        let sid = connectingSID(mailbox)
        let (subscription, subscribe): (PullSubscription, EWSCall<PullSubscription>)
        switch await subscribeInbox(PullSubscribe(folders: [.inbox], eventTypes: Self.lampEventTypes), of: mailbox,
                                    kind: "pull", required: "a SubscriptionId and Watermark", as: sid) {
        case .success(let made): (subscription, subscribe) = made
        case .failure(let box): return box.verdict
        }
        var poll = EventPoll(subscription: subscription, limit: limit)
        var verdict = await watchLamp(mailbox, poll: &poll)
        verdict.exchanges.insert(contentsOf: [subscribe.exchange].compactMap { $0 }, at: 0)
        verdict.facts["getevents_calls"] = String(poll.calls)
        verdict.facts["latency_limit_ms"] = String(limit)
        // The subscription is ended whatever the check found (unless it was lost already).
        await unsubscribe(subscription.id, as: sid, after: &verdict)
        return verdict
    }

    /// The events of one voicemail: CreatedEvent/NewMailEvent after CreateItem, ModifiedEvent after
    /// UpdateItem IsRead=true, each timed from the change's answer.
    private func watchLamp(_ mailbox: String, poll: inout EventPoll) async -> Verdict {
        var evidence: [HTTPExchange?] = []
        do throws(VerdictBox) {
            let (created, x1) = try await createVoicemail(mailbox, by: CheckCatalog.notificationsPull, note: "notification").get()
            evidence.append(x1)
            let arrival = try await poll.wait(["CreatedEvent", "NewMailEvent"], for: created.item.id, suite: self, mailbox: mailbox).get()
            evidence += arrival.exchanges
            var latencies: [String: Int] = [:]
            for (kind, ms) in arrival.seen { latencies[kind] = ms }
            var facts = Self.latencyFacts(latencies, limit: poll.limit)
            facts["new_mail_event"] = latencies["NewMailEvent"] == nil
                ? "not reported (a CreateItem save is not a transport delivery; CreatedEvent stands for it)" : "reported"
            guard !arrival.seen.isEmpty else {
                return .failed("no CreatedEvent or NewMailEvent for the new voicemail (ItemId …\(created.item.id.suffix(12))) arrived within \(poll.bound) ms of the CreateItem answer (\(poll.calls) GetEvents calls): the lamp would not light from notifications",
                               evidence, facts: facts)
            }
            let first = arrival.seen.min { $0.value < $1.value }!
            guard first.value <= poll.limit else {
                return .failed("the \(first.key) for the new voicemail arrived \(first.value) ms after the CreateItem answer, over the limit of \(poll.limit) ms (notification_latency_ms): the lamp would light late",
                               evidence, facts: facts)
            }
            let update = await client.perform(UpdateReadFlag(items: [created.item], isRead: true), impersonating: connectingSID(mailbox))
            evidence.append(update.exchange)
            guard update.messages.count == 1, let m = update.messages.first, m.responseClass == .success else {
                return failure(of: update, doing: "UpdateItem message:IsRead=true of the voicemail", facts: facts).citing(before: evidence.dropLast())
            }
            let modified = try await poll.wait(["ModifiedEvent"], for: created.item.id, suite: self, mailbox: mailbox).get()
            evidence += modified.exchanges
            if let ms = modified.seen["ModifiedEvent"] { latencies["ModifiedEvent"] = ms }
            facts = facts.merging(Self.latencyFacts(latencies, limit: poll.limit)) { _, new in new }
            guard let ms = modified.seen["ModifiedEvent"] else {
                return .failed("no ModifiedEvent for the voicemail arrived within \(poll.bound) ms of the answer to UpdateItem IsRead=true (\(poll.calls) GetEvents calls in all): the lamp would not go off from notifications",
                               evidence, facts: facts)
            }
            guard ms <= poll.limit else {
                return .failed("the ModifiedEvent for the voicemail marked read arrived \(ms) ms after the UpdateItem answer, over the limit of \(poll.limit) ms (notification_latency_ms): the lamp would go off late",
                               evidence, facts: facts)
            }
            return .passed("GetEvents reported \(latencies.keys.filter { $0 != "ModifiedEvent" }.sorted().joined(separator: " and ")) for the new voicemail and ModifiedEvent for its read flag, p50 \(facts["latency_p50_ms"] ?? "?") ms, max \(facts["latency_max_ms"] ?? "?") ms (limit \(poll.limit) ms), watermarks continuous over \(poll.calls) calls",
                           evidence, facts: facts)
        } catch {
            return error.verdict.citing(before: evidence)
        }
    }

    /// Each event's latency, their p50 (the lower middle) and max, and the limit.
    static func latencyFacts(_ latencies: [String: Int], limit: Int) -> [String: String] {
        var facts: [String: String] = [:]
        for (kind, ms) in latencies { facts["latency_ms_" + kind.replacingOccurrences(of: "Event", with: "").lowercased()] = String(ms) }
        let sorted = latencies.values.sorted()
        if !sorted.isEmpty {
            facts["latency_p50_ms"] = String(sorted[(sorted.count - 1) / 2])
            facts["latency_max_ms"] = String(sorted[sorted.count - 1])
        }
        return facts
    }
}
