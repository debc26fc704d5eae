/// A throttling policy modelled on Exchange's (MSDOCS "EWS throttling in Exchange"; notes in
/// `shared/protocol/ews-protocol.md` §6), with every number configurable so tests can make it bite:
///
/// - **EWSMaxConcurrency** (``maxConcurrency``, 27 as in Exchange 2013+ and Exchange Online): more
///   EWS requests in flight on one budget than that are refused with an HTTP 500 SOAP fault
///   `ErrorExceededConnectionCount`, its `MessageXml` carrying `Policy` = MaxConcurrency,
///   `MaxConcurrencyLimit` and the budget's `ErrorMessage`, as Exchange Online answered in
///   OfficeDev/ews-managed-api#293 (April 2023). The notes list the code as "fault or ResponseMessage";
///   the limit is applied when the budget is acquired, before any operation runs, so the fault form.
///   Streaming notifications (GetStreamingEvents) are not charged: "This policy applies to all
///   operations except for streaming notifications".
/// - **A CPU-time budget** per budget holder (``cpuBudgetMilliseconds`` recharged over
///   ``cpuWindowMilliseconds``, each request charged ``cpuChargeMilliseconds``): once spent, HTTP 500
///   with an `ErrorServerBusy` fault whose `BackOffMilliseconds` is exactly the time the budget needs
///   to recharge to a tenth of itself (at least one request's charge); until then every request on it
///   is refused (Exchange 2013+'s EwsMaxBurst/EwsRechargeRate/EwsCutoffBalance model, scaled down).
/// - **Server overload** (``serverMaxInFlight``): more EWS requests in flight on the whole server
///   than that are answered HTTP 503 with `Retry-After` (``retryAfterSeconds``): "EWS requests are
///   queuing with IIS. The client should delay sending additional requests".
/// - **EWSMaxSubscriptions** (``maxSubscriptions``, 20 in Exchange Online): charged against the
///   target mailbox (throttling doc, Table 2, Exchange Online and 2010 SP2 RU4+); more are refused
///   with `ErrorExceededSubscriptionCount` in the Subscribe response message.
///
/// **Who is charged when a service account impersonates** (``BudgetHolder/targetMailbox``, the
/// default): Exchange 2010 SP2 RU4 and later, and Exchange Online, charge an impersonating request
/// to a copy of the *impersonated mailbox's* budget, shared by every service account impersonating
/// it and separate from the mailbox's own use ("the connection is charged against a copy of m1's
/// budget", MSDOCS how-to-maintain-affinity-between-group-of-subscriptions-and-mailbox-server;
/// "the active connections will either be charged to the service account (owner and delegate) or
/// against the mailbox which is being accessed (Impersonation)", Microsoft's webdav_101 blog,
/// "You are doing too much at one time: EWSMaxConcurrency", 2018). A request that impersonates
/// nobody is charged to the caller. ``BudgetHolder/caller`` charges every request to the
/// authenticated account, as Exchange before 2010 SP2 RU4 did for EWSMaxConcurrency (and as a
/// hoster's front end that limits per account would); tests use it to make one budget bite.
package struct SimulatedThrottlingPolicy: Sendable, Hashable {
    /// Whose budget a request is charged to.
    package enum BudgetHolder: String, Sendable, Hashable, CaseIterable {
        /// The impersonated mailbox's (a copy for impersonation), or the caller's without impersonation.
        case targetMailbox = "target-mailbox"
        /// Always the authenticated caller's.
        case caller
    }

    /// EWS requests in flight on one budget at most (EWSMaxConcurrency); more get ErrorExceededConnectionCount.
    package var maxConcurrency = 27
    /// Whose budget a request is charged to.
    package var budgetHolder = BudgetHolder.targetMailbox
    /// The CPU time one budget holds when full, in milliseconds (0: no CPU budget).
    package var cpuBudgetMilliseconds = 10_000
    /// How long an empty CPU budget takes to fill again, in milliseconds.
    package var cpuWindowMilliseconds = 60_000
    /// The CPU time each EWS request is charged, in milliseconds (a fixed model, so runs are repeatable).
    package var cpuChargeMilliseconds = 25
    /// EWS requests in flight on the whole server at most; more get HTTP 503 (0: no limit).
    package var serverMaxInFlight = 64
    /// The `Retry-After` of the overload answer, in seconds.
    package var retryAfterSeconds = 1
    /// Live subscriptions one mailbox may hold (EWSMaxSubscriptions).
    package var maxSubscriptions = 20

    /// Exchange Online's numbers (where published) and the scaled-down CPU budget above.
    package init() {}

    /// The policy's one-line description, as `simulate` and `demo` print it.
    package var summary: String {
        "EWSMaxConcurrency \(maxConcurrency) per \(budgetHolder == .targetMailbox ? "target mailbox (impersonation) or caller" : "caller")"
            + (cpuBudgetMilliseconds > 0 ? ", CPU budget \(cpuBudgetMilliseconds) ms per \(cpuWindowMilliseconds) ms at \(cpuChargeMilliseconds) ms a request" : "")
            + (serverMaxInFlight > 0 ? ", server overload above \(serverMaxInFlight) in flight (503 Retry-After \(retryAfterSeconds))" : "")
            + ", EWSMaxSubscriptions \(maxSubscriptions)"
    }

    /// Whether a configuration's flavor throttles when nothing was said: only Exchange Online.
    package static func isOnByDefault(for flavor: SimulatorFlavor) -> Bool { flavor == .exchangeOnline }
}
