import EWSProtocol
import EWSTransport

extension CheckContext {
    /// Subscribes to `mailbox`'s Inbox with `operation` (`kind`: "pull" or "streaming"), shared by
    /// the notification checks: the subscription and the call that made it, or the verdict in the
    /// check's words (a spent subscription budget, a NoError answer without `required`, any other
    /// failure).
    func subscribeInbox<Operation: EWSOperation>(_ operation: Operation, of mailbox: String, kind: String, required: String,
                                                 as sid: ConnectingSID) async -> Result<(Operation.Payload, EWSCall<Operation.Payload>), VerdictBox> {
        let subscribe = await client.perform(operation, impersonating: sid)
        let doing = "Subscribe (\(kind)) on \(mailbox)'s Inbox"
        guard subscribe.messages.count == 1, let m = subscribe.messages.first, m.responseClass == .success, let subscription = m.payload else {
            if let spent = Self.subscriptionBudgetSpent(subscribe, doing: doing) { return .failure(VerdictBox(spent)) }
            if let m = subscribe.messages.first, m.responseClass == .success {
                return .failure(VerdictBox(.failed("\(doing) answered NoError without \(required)", [subscribe.exchange])))
            }
            return .failure(VerdictBox(failure(of: subscribe, doing: doing)))
        }
        return .success((subscription, subscribe))
    }

    /// Ends subscription `id` whatever the check found (its answer cited, its code a fact), and turns
    /// a passing `verdict` into a failure when Unsubscribe does not answer NoError.
    func unsubscribe(_ id: String, as sid: ConnectingSID, after verdict: inout Verdict) async {
        let end = await client.perform(Unsubscribe(subscriptionID: id), impersonating: sid)
        if let x = end.exchange { verdict.exchanges.append(x) }
        let code = end.messages.first?.responseCode ?? end.summary
        verdict.facts["unsubscribe"] = code
        if verdict.outcome == .passed, end.messages.count != 1 || code != "NoError" {
            verdict.outcome = .failed
            verdict.message = "Unsubscribe answered \(end.messages.count == 1 ? code : end.summary), not NoError; the check itself found: \(verdict.message)"
        }
    }
}
