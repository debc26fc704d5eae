import Foundation

/// Where every request of a run takes its bearer token from: the token of the moment, renewed
/// before it expires, so a run may last longer than one token.
///
/// A token is renewed once `now` comes within ``margin(lifetime:)`` of its expiry (the earlier of
/// `expires_in` and the JWT's `exp`). One renewal at a time: requests that ask while one is under
/// way wait for it and share its token. Each renewal is kept (``renewals``) and handed to the
/// ``TokenRenewalLog`` of the task that started it, with the exchange already scrubbed of the
/// client secret and the token; no renewal ever shows the token itself. A renewal that fails is
/// ``TransportError/tokenRenewalFailed(_:)`` for the request that needed it (the next request
/// tries again).
package actor BearerTokenSource {
    /// Gets a new token (the token endpoint, or a provider plugin's hook).
    package typealias Fetch = @Sendable () async throws(OAuthError) -> AccessToken

    /// One renewal, as reports show it.
    package struct Renewal: Sendable {
        /// Which renewal of the run (1 for the first after the initial token).
        package var number: Int
        /// When the new token was asked for.
        package var at: Date
        /// The new token's `expires_in`, in seconds.
        package var expiresIn: Int
        /// When the replaced token would have expired.
        package var replacedExpiry: Date
        /// The token request, with the client secret and the token removed.
        package var exchange: HTTPExchange
    }

    private let fetch: Fetch
    private let now: @Sendable () -> Date
    private let onShutdown: @Sendable () -> Void
    private var token: AccessToken
    private var pending: Task<AccessToken, any Error>?
    private var done: [Renewal] = []

    /// Creates a source that starts with `initial` and asks `fetch` for each renewal; `now` is the
    /// clock (tests move it); `onShutdown` releases what `fetch` uses (its transport).
    package init(initial: AccessToken, now: @escaping @Sendable () -> Date = { Date() },
                onShutdown: @escaping @Sendable () -> Void = {}, fetch: @escaping Fetch) {
        token = initial
        self.fetch = fetch
        self.now = now
        self.onShutdown = onShutdown
    }

    /// How long before expiry a token of `lifetime` seconds is renewed: 10 % of the lifetime, but at
    /// least 5 s (a request may wait that long in a queue, or meet a server clock a little ahead)
    /// unless that is more than half the lifetime, when half is the margin; at most 60 s, never
    /// below 0. An hour's token is renewed 60 s early, a minute's 6 s, a 3 s token after 1.5 s.
    package static func margin(lifetime: TimeInterval) -> TimeInterval {
        guard lifetime > 0 else { return 0 }
        return min(60, max(lifetime * 0.1, min(5, lifetime / 2)))
    }

    /// When `token` stops being valid: `expires_in` after it was asked for, or its `exp` claim
    /// when that is earlier.
    package static func expiry(of token: AccessToken) -> Date {
        guard let exp = token.claims?.expiresAt else { return token.expiresAt }
        return min(exp, token.expiresAt)
    }

    /// Whether `token` is due for renewal at `date`.
    package static func isDue(_ token: AccessToken, at date: Date) -> Bool {
        let expiry = expiry(of: token)
        let lifetime = expiry.timeIntervalSince(token.obtainedAt)
        return date >= expiry.addingTimeInterval(-margin(lifetime: lifetime))
    }

    /// The renewals so far, oldest first.
    package var renewals: [Renewal] { done }

    /// The credentials for the next request: the current token, renewed first when it is due.
    /// - Throws: ``TransportError/tokenRenewalFailed(_:)`` with the refused token request as evidence.
    package func credentials() async throws(TransportError) -> HTTPCredentials {
        try await current().credentials
    }

    /// The token valid now (renewed first when it is due).
    package func current() async throws(TransportError) -> AccessToken {
        guard Self.isDue(token, at: now()) else { return token }
        let task: Task<AccessToken, any Error>
        var started = false
        if let pending {
            task = pending
        } else {
            let fetch = fetch
            task = Task { try await fetch() }
            pending = task
            started = true
        }
        let replaced = token
        let asked = now()
        do {
            let fresh = try await task.value
            if started {
                pending = nil
                token = fresh
                let renewal = Renewal(number: done.count + 1, at: asked, expiresIn: fresh.expiresIn,
                                      replacedExpiry: Self.expiry(of: replaced), exchange: fresh.exchange)
                done.append(renewal)
                TokenRenewalLog.current?.append(renewal)
            }
            return fresh
        } catch {
            if started { pending = nil }
            let expiry = ISO8601DateFormatter().string(from: Self.expiry(of: replaced))
            if let error = error as? OAuthError {
                var failure = TransportError.tokenRenewalFailed("the access token (expiring \(expiry)) could not be renewed: \(error.message)")
                if let exchange = error.exchange { failure = failure.with(exchange: exchange) }
                if started { TokenRenewalLog.current?.appendFailure(error.exchange) }
                throw failure
            }
            throw .tokenRenewalFailed("the access token (expiring \(expiry)) could not be renewed: \(error)")
        }
    }

    /// Releases what renewals use (the token endpoint's transport); no renewal follows.
    package func shutdown() { onShutdown() }
}
