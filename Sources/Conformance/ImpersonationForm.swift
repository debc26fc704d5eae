import EWSProtocol

/// One of the four ways `t:ConnectingSID` names the mailbox to impersonate, as the profile's
/// `ews.connecting_sid` spells it.
enum ImpersonationForm: String, Sendable, CaseIterable {
    case primarySmtpAddress = "primary-smtp-address"
    case smtpAddress = "smtp-address"
    case principalName = "principal-name"
    case sid

    /// The element name inside `ConnectingSID`.
    var elementName: String {
        switch self {
        case .primarySmtpAddress: return "PrimarySmtpAddress"
        case .smtpAddress: return "SmtpAddress"
        case .principalName: return "PrincipalName"
        case .sid: return "SID"
        }
    }

    /// The identifier for `mailbox` in this form, from the address or the target's `upn`/`sid`;
    /// nil when the target gives no value for it.
    func connectingSID(for mailbox: String, entry: MailboxList.Entry?) -> ConnectingSID? {
        switch self {
        case .primarySmtpAddress: return .primarySmtpAddress(mailbox)
        case .smtpAddress: return .smtpAddress(mailbox)
        case .principalName: return entry?.upn.map { .principalName($0) }
        case .sid: return entry?.sid.map { .sid($0) }
        }
    }

    /// Why a mailbox cannot be impersonated in this form (the target lacks the value).
    func missingData(_ mailbox: String) -> String {
        let what = self == .sid ? "SID" : "UPN"
        let key = self == .sid ? "sid" : "upn"
        return "the target gives no \(what) for \(mailbox) (a mailboxes entry with `\(key):`, or a `\(key)` column in mailboxes_file)"
    }
}
