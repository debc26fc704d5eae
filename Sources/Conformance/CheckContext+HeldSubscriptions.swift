import EWSProtocol
import EWSTransport
import Foundation

/// `notifications.subscriptions-held`: the product holds one pull subscription per impersonated
/// mailbox, all at once and all under the one service account. Exchange 2010 SP2 RU4 and later
/// charge an impersonated subscription to the target mailbox (EWSMaxSubscriptions, 20 in Exchange
/// Online); a provider that charges the account instead runs out after a handful of mailboxes,
/// which a check holding one subscription at a time never sees.
extension CheckContext {
    /// At most this many mailboxes hold a subscription in one run: every one costs three requests,
    /// and a 10,000-mailbox run would spend 30,000 on this check alone. The cap is in the facts.
    static let heldSubscriptionsCap = 1000

    func heldSubscriptions() async -> Verdict {
        // The mailboxes the service account reached by impersonation (the others' failure is reported already).
        var mailboxes: [String] = []
        var unreached = 0
        for mailbox in target.mailboxes where mailboxes.count < Self.heldSubscriptionsCap {
            if await recorder.outcome(of: CheckCatalog.impersonationGetFolder, mailbox: mailbox)?.satisfiesDependents == true {
                mailboxes.append(mailbox)
            } else {
                unreached += 1
            }
        }
        guard !mailboxes.isEmpty else { return .skipped("no mailbox was reached by impersonation") }
        var facts = ["mailboxes": String(mailboxes.count)]
        if unreached > 0 { facts["left_out"] = "\(unreached) mailbox(es) impersonation.primary-smtp.getfolder did not pass for" }
        if target.mailboxes.count - unreached > mailboxes.count {
            facts["capped"] = "the first \(mailboxes.count) of the run's \(target.mailboxes.count) mailboxes (at most \(Self.heldSubscriptionsCap))"
        }
        // Every exchange is cited (the report's evidence policy decides what is kept of a check that passed).
        var evidence: [HTTPExchange?] = []
        var held: [(mailbox: String, subscription: PullSubscription)] = []
        var verdict: Verdict?
        for mailbox in mailboxes {
            let call = await client.perform(PullSubscribe(folders: [.inbox], eventTypes: Self.lampEventTypes), impersonating: connectingSID(mailbox))
            if call.messages.count == 1, let m = call.messages.first, m.responseClass == .success, let subscription = m.payload {
                evidence.append(call.exchange)
                held.append((mailbox, subscription))
                continue
            }
            if call.messages.first?.responseCode == "ErrorExceededSubscriptionCount", held.isEmpty {
                facts.merge(Self.callFacts(call)) { _, new in new }
                facts["subscription_limit"] = "0"
                verdict = .failed("Subscribe on \(mailbox)'s Inbox, the first of the \(mailboxes.count) subscriptions to hold, answered ErrorExceededSubscriptionCount: "
                                  + "the subscription budget (EWSMaxSubscriptions) is used up before the run holds any, so the product cannot hold its subscription for \(mailbox)",
                                  evidence + [call.exchange], facts: facts)
            } else if call.messages.first?.responseCode == "ErrorExceededSubscriptionCount" {
                facts.merge(Self.callFacts(call)) { _, new in new }
                facts["subscription_limit"] = String(held.count)
                verdict = .failed("Subscribe on \(mailbox)'s Inbox answered ErrorExceededSubscriptionCount when the service account held \(held.count) subscription(s) of this check, one for each mailbox before it: "
                                  + "the provider's subscription limit is \(held.count) for the account (EWSMaxSubscriptions charged to the service account, not to each impersonated mailbox), "
                                  + "so the product cannot hold one subscription for each of its \(target.mailboxes.count) mailboxes",
                                  evidence + [call.exchange], facts: facts)
            } else {
                verdict = failure(of: call, doing: "Subscribe (pull) on \(mailbox)'s Inbox with \(held.count) subscription(s) of the other mailboxes held", facts: facts)
                    .citing(before: evidence)
            }
            break
        }
        if verdict == nil {
            // With every subscription made, each must still be there: a provider that keeps a few
            // subscriptions per account drops the earlier ones silently. (Watermark continuity is
            // notifications.pull's to judge.)
            var polled = 0
            for (mailbox, subscription) in held {
                let call = await client.perform(GetEvents(subscriptionID: subscription.id, watermark: subscription.watermark), impersonating: connectingSID(mailbox))
                polled += 1
                guard call.messages.count == 1, let m = call.messages.first, m.responseClass == .success, m.payload != nil else {
                    verdict = failure(of: call, doing: "GetEvents of \(mailbox)'s subscription with all \(held.count) subscriptions held (an earlier subscription lost to a later one?)",
                                      facts: facts).citing(before: evidence)
                    evidence.append(call.exchange)
                    break
                }
                evidence.append(call.exchange)
            }
            facts["getevents_calls"] = String(polled)
        }
        // Every subscription made is ended, whatever the check found.
        var unsubscribeFailures: [String] = []
        for entry in held {
            let end = await client.perform(Unsubscribe(subscriptionID: entry.subscription.id), impersonating: connectingSID(entry.mailbox))
            evidence.append(end.exchange)
            let code = end.messages.first?.responseCode ?? end.summary
            if end.messages.count != 1 || code != "NoError" { unsubscribeFailures.append("\(entry.mailbox): \(code)") }
        }
        facts["held"] = String(held.count)
        if var verdict {
            // The failing verdict cites what came before it; the Unsubscribe calls after it are cited too.
            let cited = Set(verdict.exchanges.map(\.id))
            verdict.exchanges += evidence.compactMap { $0 }.filter { !cited.contains($0.id) }
            verdict.exchanges.sort { $0.id < $1.id }
            verdict.facts.merge(facts) { current, _ in current }
            return verdict
        }
        guard unsubscribeFailures.isEmpty else {
            return .failed("all \(held.count) subscriptions were held and answered, but Unsubscribe did not answer NoError for \(unsubscribeFailures.count): \(unsubscribeFailures.prefix(5).joined(separator: "; "))",
                           evidence, facts: facts)
        }
        return .passed("held a pull subscription on each of the \(held.count) mailboxes' Inboxes at once under the service account; with all held, each answered GetEvents, and each was ended with Unsubscribe",
                       evidence, facts: facts)
    }
}
