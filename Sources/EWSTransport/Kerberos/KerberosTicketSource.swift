private import EWSExecutor
import Foundation
import Synchronization

/// Keeps the run's Kerberos ticket-granting ticket valid, so a run may last longer than one ticket.
///
/// Before each request that sends Negotiate credentials, ``ensureFresh(exchangeIDs:)`` looks at the
/// ticket's end time (read from the cache once per sign-in); within the margin of
/// ``BearerTokenSource/margin(lifetime:)`` of it (10 % of the lifetime, at least 5 s or half the
/// lifetime, at most 60 s) it signs in again from the same keytab or password into a new file and
/// renames that over the cache (``KerberosTicketCache/commit(_:)``), so libcurl, which opens the
/// cache for each handshake, never reads an empty or half-written one. The new cache holds the new
/// ticket-granting ticket only: service tickets got with the old one are gone with it, and the next
/// handshake gets a new one (MIT also gets a new service ticket when a cached one has expired).
///
/// One renewal at a time: requests that ask while one is under way wait for it. The sign-in runs on
/// the blocking executor, at most ``budget``. Each renewal is kept (``renewals``) and handed to the
/// ``TokenRenewalLog`` of the task that started it, as facts and an evidence record with neither
/// ticket nor secret. A renewal that fails is ``TransportError/ticketRenewalFailed(_:_:)`` (the
/// stage and MIT's cause, ``KerberosFailure``) for the request that needed it; the next request tries again.
package actor KerberosTicketSource {
    /// One renewal (or failed attempt), as reports show it.
    package struct Renewal: Sendable {
        /// Which renewal of the run (1 for the first after the sign-in).
        package var number: Int
        /// When the new ticket was asked for.
        package var at: Date
        /// The new ticket's times (nil when the renewal failed).
        package var times: KerberosTicketCache.TicketTimes?
        /// When the replaced ticket would have expired.
        package var replacedExpiry: Date
        /// The evidence: the sign-in, without ticket or secret.
        package var exchange: HTTPExchange
    }

    /// The cache kept valid (destroyed by its owner, not by this source).
    package nonisolated let cache: KerberosTicketCache
    /// How long one renewal (a KDC round trip, with MIT's own retries) may take before it counts
    /// as failed: a KDC that does not answer never holds a request longer than this.
    package nonisolated let budget: Duration
    private let now: @Sendable () -> Date
    private var times: KerberosTicketCache.TicketTimes
    private var pending: Task<Result<KerberosTicketCache.TicketTimes, KerberosFailure>, Never>?
    private var done: [Renewal] = []
    private var attempts = 0

    /// Watches `cache`, whose ticket times are read now; `now` is the clock (tests move it).
    package init(cache: KerberosTicketCache, budget: Duration = .seconds(30),
                 now: @escaping @Sendable () -> Date = { Date() }) throws(KerberosFailure) {
        self.cache = cache
        self.budget = budget
        self.now = now
        times = try cache.ticketTimes()
    }

    /// Whether a ticket with `times` is due for renewal at `date` (the token source's margin rule).
    package static func isDue(_ times: KerberosTicketCache.TicketTimes, at date: Date) -> Bool {
        date >= times.end.addingTimeInterval(-BearerTokenSource.margin(lifetime: times.lifetime))
    }

    /// The renewals so far, oldest first (failed attempts are not counted).
    package var renewals: [Renewal] { done }

    /// The times of the ticket in the cache now.
    package var currentTimes: KerberosTicketCache.TicketTimes { times }

    /// Renews the ticket-granting ticket first when it is due; returns at once otherwise.
    /// - Parameter exchangeIDs: where the renewal's evidence record takes its id.
    /// - Throws: ``TransportError/ticketRenewalFailed(_:_:)`` naming the stage and the cause.
    package func ensureFresh(exchangeIDs: ExchangeIDSource) async throws(TransportError) {
        guard Self.isDue(times, at: now()) else { return }
        let task: Task<Result<KerberosTicketCache.TicketTimes, KerberosFailure>, Never>
        var started = false
        if let pending {
            task = pending
        } else {
            let cache = cache
            let budget = budget
            task = Task { await Self.renew(cache, budget: budget) }
            pending = task
            started = true
        }
        let replaced = times
        let asked = now()
        let clock = ContinuousClock.now
        let result = await task.value
        if started { pending = nil }
        let elapsed = ContinuousClock.now - clock
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        switch result {
        case .success(let fresh):
            guard started else { return }
            times = fresh
            let renewal = Renewal(number: done.count + 1, at: asked, times: fresh, replacedExpiry: replaced.end,
                                  exchange: evidence(id: exchangeIDs.take(), at: asked, milliseconds: milliseconds, times: fresh, failure: nil))
            done.append(renewal)
            TokenRenewalLog.current?.append(renewal)
        case .failure(let failure):
            let expiry = ISO8601DateFormatter().string(from: replaced.end)
            var error = TransportError.ticketRenewalFailed(
                "the Kerberos ticket-granting ticket of \(cache.principal) (expiring \(expiry)) could not be renewed: \(failure)", failure)
            if started {
                let exchange = evidence(id: exchangeIDs.take(), at: asked, milliseconds: milliseconds, times: nil, failure: failure)
                TokenRenewalLog.current?.appendFailure(exchange)
                error = error.with(exchange: exchange)
            }
            throw error
        }
    }

    /// Signs in again into a new file and commits it, on the blocking executor, within `budget`.
    private static func renew(_ cache: KerberosTicketCache, budget: Duration) async -> Result<KerberosTicketCache.TicketTimes, KerberosFailure> {
        // A sign-in that overruns its budget is abandoned: whichever of it and the timeout comes
        // second removes the file it wrote, so an abandoned ticket never lingers or replaces a newer one.
        let fate = Fate()
        let prepared = await BlockingExecutor.shared.run("kerberos-renewal", budget: budget) { () -> Result<String, KerberosFailure> in
            let result = Result { () throws(KerberosFailure) -> String in try cache.prepareRenewal() }
            let abandoned = fate.state.locked { state -> Bool in
                if state == .abandoned { return true }
                state = .finished
                return false
            }
            if abandoned, case .success(let file) = result { cache.discard(file) }
            return result
        }
        guard let prepared else {
            let finished = fate.state.locked { state -> Bool in
                if state == .finished { return true }
                state = .abandoned
                return false
            }
            if finished {
                // It ended just after the budget: its result was dropped, so is its file.
                let files = (try? FileManager.default.contentsOfDirectory(atPath: cache.directory)) ?? []
                for file in files where file.hasPrefix("ccache.renewal-") { cache.discard(cache.directory + "/" + file) }
            }
            return .failure(KerberosFailure(stage: cache.loginStage, message: "no answer within \(budget) (is the KDC reachable?)",
                                            cause: .kdcUnreachable))
        }
        switch prepared {
        case .failure(let failure): return .failure(failure)
        case .success(let file):
            do throws(KerberosFailure) {
                try cache.commit(file)
                return .success(try cache.ticketTimes())
            } catch {
                return .failure(error)
            }
        }
    }

    /// Whether a renewal's sign-in is still running, finished, or was abandoned after its budget.
    private final class Fate: Sendable {
        enum State { case running, finished, abandoned }
        let state = Mutex(State.running)
    }

    /// The evidence record of a renewal: who signed in, how, and the new ticket's times; never the
    /// ticket, a key or the password.
    private func evidence(id: Int, at: Date, milliseconds: Double, times: KerberosTicketCache.TicketTimes?,
                          failure: KerberosFailure?) -> HTTPExchange {
        let realm = cache.principal.split(separator: "@").last.map(String.init) ?? ""
        let how: String
        switch cache.login {
        case .keytab(let keytab): how = "with the key in the keytab \(keytab)"
        case .password: how = "with its password [redacted]"
        }
        let f = ISO8601DateFormatter()
        let answer = times.map {
            "[not recorded: the ticket-granting ticket] valid from \(f.string(from: $0.start)) to \(f.string(from: $0.end)) (\(Int($0.lifetime)) s), renewed into the run's private cache"
        } ?? "no ticket"
        return HTTPExchange(id: id, started: at, method: "KERBEROS", url: "krbtgt/\(realm)@\(realm)",
                            requestBody: "a new ticket-granting ticket for \(cache.principal) \(how) (what kinit does), the old one ending within its renewal margin",
                            legs: [], responseBody: answer, durationMilliseconds: milliseconds, remoteAddress: nil, newConnections: 0,
                            error: failure.map { "\($0)" })
    }
}
