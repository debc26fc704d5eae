import Foundation
import Synchronization

/// The token renewals started while a task runs: a check sets one with
/// ``TokenRenewalLog/$current`` and finds in it each renewal its requests caused (see
/// ``BearerTokenSource``), to show as its facts and evidence. Holds no token.
package final class TokenRenewalLog: Sendable {
    private let entries = Mutex<[BearerTokenSource.Renewal]>([])
    private let failed = Mutex<[HTTPExchange]>([])

    /// The log of the running check, if any.
    @TaskLocal package static var current: TokenRenewalLog?

    /// Creates an empty log.
    package init() {}

    /// Records a renewal.
    package func append(_ renewal: BearerTokenSource.Renewal) { entries.withLock { $0.append(renewal) } }

    /// Records a failed renewal's token request (scrubbed), when there was one.
    package func appendFailure(_ exchange: HTTPExchange?) {
        if let exchange { failed.withLock { $0.append(exchange) } }
    }

    /// The renewals so far.
    package var all: [BearerTokenSource.Renewal] { entries.withLock { $0 } }

    /// The token requests of the renewals (and of failed ones): evidence without the token.
    package var exchanges: [HTTPExchange] { all.map(\.exchange) + failed.withLock { $0 } }

    /// The facts a check's result carries about them (empty without renewals): `token_renewals`
    /// (how many), `token_renewed_at` (when each was asked for, ISO 8601) and
    /// `token_renewal_expires_in` (each new token's `expires_in`, seconds).
    package var facts: [String: String] {
        let all = self.all
        guard !all.isEmpty else { return [:] }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return ["token_renewals": String(all.count),
                "token_renewed_at": all.map { f.string(from: $0.at) }.joined(separator: " "),
                "token_renewal_expires_in": all.map { String($0.expiresIn) }.joined(separator: " ")]
    }
}
