private import EWSExecutor
import Foundation
import Synchronization

/// The credential renewals started while a task runs: a check sets one with
/// ``TokenRenewalLog/$current`` and finds in it each renewal its requests caused, of the access
/// token (``BearerTokenSource``) or of the Kerberos ticket-granting ticket
/// (``KerberosTicketSource``), to show as its facts and evidence. Holds no token and no ticket.
package final class TokenRenewalLog: Sendable {
    private let entries = Mutex<[BearerTokenSource.Renewal]>([])
    private let tickets = Mutex<[KerberosTicketSource.Renewal]>([])
    private let failed = Mutex<[HTTPExchange]>([])
    private let refused = Mutex<[String]>([])

    /// The log of the running check, if any.
    @TaskLocal package static var current: TokenRenewalLog?

    /// Creates an empty log.
    package init() {}

    /// Records a renewal.
    package func append(_ renewal: BearerTokenSource.Renewal) { entries.locked { $0.append(renewal) } }

    /// Records a renewal of the Kerberos ticket-granting ticket.
    package func append(_ renewal: KerberosTicketSource.Renewal) { tickets.locked { $0.append(renewal) } }

    /// Records a failed renewal's token request (scrubbed), when there was one.
    package func appendFailure(_ exchange: HTTPExchange?) {
        if let exchange { failed.locked { $0.append(exchange) } }
    }

    /// Records that a request was not sent because its credentials could not be renewed.
    package func appendRefusal(_ message: String) { refused.locked { $0.append(message) } }

    /// Why requests were not sent for want of renewed credentials (empty when none was kept back).
    package var refusals: [String] { refused.locked { $0 } }

    /// The renewals so far.
    package var all: [BearerTokenSource.Renewal] { entries.locked { $0 } }

    /// The Kerberos ticket renewals so far.
    package var ticketRenewals: [KerberosTicketSource.Renewal] { tickets.locked { $0 } }

    /// The token requests and ticket sign-ins of the renewals (and of failed ones): evidence
    /// without the token or the ticket.
    package var exchanges: [HTTPExchange] {
        (all.map(\.exchange) + ticketRenewals.map(\.exchange) + failed.locked { $0 }).sorted { $0.id < $1.id }
    }

    /// The facts a check's result carries about them (empty without renewals): `token_renewals`
    /// (how many), `token_renewed_at` (when each was asked for, ISO 8601) and
    /// `token_renewal_expires_in` (each new token's `expires_in`, seconds); for Kerberos,
    /// `kerberos_ticket_renewals`, `kerberos_ticket_renewed_at` and `kerberos_ticket_lifetime` (each
    /// new ticket-granting ticket's lifetime, seconds).
    package var facts: [String: String] {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        var facts: [String: String] = [:]
        let all = self.all
        if !all.isEmpty {
            facts["token_renewals"] = String(all.count)
            facts["token_renewed_at"] = all.map { f.string(from: $0.at) }.joined(separator: " ")
            facts["token_renewal_expires_in"] = all.map { String($0.expiresIn) }.joined(separator: " ")
        }
        let tickets = ticketRenewals
        if !tickets.isEmpty {
            facts["kerberos_ticket_renewals"] = String(tickets.count)
            facts["kerberos_ticket_renewed_at"] = tickets.map { f.string(from: $0.at) }.joined(separator: " ")
            facts["kerberos_ticket_lifetime"] = tickets.map { String(Int($0.times?.lifetime ?? 0)) }.joined(separator: " ")
        }
        return facts
    }
}
