private import EWSExecutor
import Foundation
import Synchronization

/// Applies a ``SimulatedThrottlingPolicy`` to the simulator's EWS requests: counts the requests in
/// flight per budget and on the whole server (from the router's admission until the answer is
/// written), and keeps each budget's CPU balance.
final class ThrottlingGovernor: Sendable {
    let policy: SimulatedThrottlingPolicy

    /// An admitted request: released when its answer is written.
    struct Ticket: Sendable {
        /// The budget charged.
        var budget: String
        /// Requests in flight on that budget, this one included.
        var inFlight: Int
    }

    /// What the governor decided for one request.
    enum Admission {
        /// Serve it; release the ticket once the answer is written.
        case admitted(Ticket)
        /// Answer this instead; `throttle` names the policy part, `inFlight` the count that made it
        /// bite, `wait` the milliseconds the answer asks the client to wait (nil: none named).
        case refused(SimulatedResponse, throttle: String, budget: String, inFlight: Int, wait: Int?)
    }

    private struct Bucket {
        var balance: Double
        var updated: ContinuousClock.Instant
        /// Spent: refused until the balance is back to the recovery level (see ``recoveryLevel``).
        var spent = false
    }

    /// The balance a spent budget must recharge to before it serves again: a tenth of the budget,
    /// at least one request's charge. Exchange blocks an account over its budget until it has
    /// recharged, rather than letting each recharged millisecond through, so that the clients it
    /// told to back off find a budget worth coming back for.
    static func recoveryLevel(_ policy: SimulatedThrottlingPolicy) -> Double {
        min(Double(policy.cpuBudgetMilliseconds), max(Double(policy.cpuChargeMilliseconds), Double(policy.cpuBudgetMilliseconds) / 10))
    }

    private struct State {
        var inFlight: [String: Int] = [:]
        var serverInFlight = 0
        var buckets: [String: Bucket] = [:]
    }

    private let state = Mutex(State())

    init(_ policy: SimulatedThrottlingPolicy) { self.policy = policy }

    /// The budget a request is charged to: the impersonated mailbox's copy when it impersonates and
    /// the policy charges the target mailbox (see ``SimulatedThrottlingPolicy``), else the caller's.
    func budget(caller: String, body: [UInt8]) -> String {
        if policy.budgetHolder == .targetMailbox, let target = Self.impersonated(in: body) {
            return "impersonation:" + target
        }
        return caller.lowercased()
    }

    /// Admits a request charged to `budget`, or says which throttling answer it gets: the server's
    /// overload (503) first, as IIS queues before EWS sees a request; then EWSMaxConcurrency; then
    /// the CPU budget.
    func admit(budget: String, now: ContinuousClock.Instant = .now) -> Admission {
        let policy = self.policy
        enum Decision { case admit(Int), overload(Int), concurrency(Int), busy(Int, Int) }
        let decision: Decision = state.locked { state in
            if policy.serverMaxInFlight > 0, state.serverInFlight >= policy.serverMaxInFlight { return .overload(state.serverInFlight) }
            let inFlight = state.inFlight[budget, default: 0]
            if inFlight >= policy.maxConcurrency { return .concurrency(inFlight) }
            if policy.cpuBudgetMilliseconds > 0 {
                let full = Double(policy.cpuBudgetMilliseconds)
                let rate = full / Double(max(1, policy.cpuWindowMilliseconds))  // ms of budget per ms of time
                var bucket = state.buckets[budget] ?? Bucket(balance: full, updated: now)
                let elapsed = now - bucket.updated
                let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
                bucket.balance = min(full, bucket.balance + max(0, ms) * rate)
                bucket.updated = now
                let charge = Double(policy.cpuChargeMilliseconds)
                if bucket.spent, bucket.balance >= Self.recoveryLevel(policy) { bucket.spent = false }
                if bucket.spent || bucket.balance < charge {
                    bucket.spent = true
                    state.buckets[budget] = bucket
                    return .busy(Int(((Self.recoveryLevel(policy) - bucket.balance) / rate).rounded(.up)), inFlight)
                }
                bucket.balance -= charge
                state.buckets[budget] = bucket
            }
            state.inFlight[budget] = inFlight + 1
            state.serverInFlight += 1
            return .admit(inFlight + 1)
        }
        switch decision {
        case .admit(let n): return .admitted(Ticket(budget: budget, inFlight: n))
        case .overload(let n):
            return .refused(Self.overloaded(retryAfter: policy.retryAfterSeconds), throttle: "server overload", budget: budget, inFlight: n,
                            wait: policy.retryAfterSeconds * 1000)
        case .concurrency(let n):
            return .refused(Self.exceededConnectionCount(limit: policy.maxConcurrency), throttle: "EWSMaxConcurrency", budget: budget, inFlight: n,
                            wait: nil)
        case .busy(let backOff, let n):
            return .refused(Self.serverBusy(backOffMilliseconds: max(1, backOff)), throttle: "CPU budget", budget: budget, inFlight: n,
                            wait: max(1, backOff))
        }
    }

    /// Ends an admitted request (its answer is written).
    func release(_ ticket: Ticket) {
        state.locked { state in
            let left = state.inFlight[ticket.budget, default: 1] - 1
            state.inFlight[ticket.budget] = left > 0 ? left : nil
            state.serverInFlight = max(0, state.serverInFlight - 1)
        }
    }

    /// Requests in flight now on `budget` (tests).
    func inFlight(_ budget: String) -> Int { state.locked { $0.inFlight[budget, default: 0] } }

    /// Whether a request is one the policy does not govern: GetStreamingEvents, a long-lived
    /// stream EWSMaxConcurrency leaves out (it has HangingConnectionLimit of its own).
    static func isExempt(_ body: [UInt8]) -> Bool {
        body.firstRange(of: streamingOperation) != nil
    }

    private static let streamingOperation = Array("GetStreamingEvents".utf8)

    /// The impersonated account named in an `ExchangeImpersonation` header (its ConnectingSID's
    /// value, lowercased), read cheaply: only the budget key depends on it; the service parses the
    /// header properly.
    static func impersonated(in body: [UInt8]) -> String? {
        let text = String(decoding: body.prefix(16_384), as: UTF8.self)
        guard let sid = text.range(of: "ConnectingSID") else { return nil }
        // <t:ConnectingSID><t:PrimarySmtpAddress>alice@contoso.com</t:PrimarySmtpAddress>…
        let rest = text[sid.upperBound...]
        guard let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") else { return nil }
        let value = rest[rest.index(after: close)...].prefix { $0 != "<" }.trimmingCharacters(in: .whitespacesAndNewlines)
        return value.isEmpty ? nil : value.lowercased()
    }

    /// HTTP 500 with the `ErrorExceededConnectionCount` fault Exchange Online sends (shape from
    /// OfficeDev/ews-managed-api#293: ErrorDetails Policy, MaxConcurrencyLimit, ErrorMessage).
    static func exceededConnectionCount(limit: Int) -> SimulatedResponse {
        let text = "You have exceeded the available concurrent connections for your account.  Try again once your other requests have completed."
        let xml = """
            <?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorExceededConnectionCount</faultcode><faultstring xml:lang="en-US">\(text)</faultstring><detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorExceededConnectionCount</e:ResponseCode><e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">\(text)</e:Message><t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:Value Name="Policy">MaxConcurrency</t:Value><t:Value Name="MaxConcurrencyLimit">\(limit)</t:Value><t:Value Name="ErrorMessage">This operation exceeds the throttling budget for policy part 'MaxConcurrency', policy value '\(limit)',  Budget type: 'Ews'.  Suggested backoff time 0 ms.</t:Value></t:MessageXml></detail></s:Fault></s:Body></s:Envelope>
            """
        return SimulatedResponse(status: 500, headers: [("Content-Type", "text/xml; charset=utf-8")], body: Array(xml.utf8))
    }

    /// HTTP 500 with an `ErrorServerBusy` fault carrying `BackOffMilliseconds` (shape from
    /// exchangelib's `test_error_server_busy` fixture).
    static func serverBusy(backOffMilliseconds ms: Int) -> SimulatedResponse {
        let xml = """
            <?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault><faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy</faultcode><faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.</faultstring><detail><e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode><e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The server cannot service this request right now. Try again later.</e:Message><t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:Value Name="BackOffMilliseconds">\(ms)</t:Value></t:MessageXml></detail></s:Fault></s:Body></s:Envelope>
            """
        return SimulatedResponse(status: 500, headers: [("Content-Type", "text/xml; charset=utf-8")], body: Array(xml.utf8))
    }

    /// HTTP 503 with `Retry-After` (IIS queueing; an HTML page, not SOAP).
    static func overloaded(retryAfter seconds: Int) -> SimulatedResponse {
        SimulatedResponse(status: 503, headers: [("Retry-After", String(seconds)), ("Content-Type", "text/html")],
                          body: Array("<html><body>503 Service Unavailable</body></html>".utf8))
    }
}
