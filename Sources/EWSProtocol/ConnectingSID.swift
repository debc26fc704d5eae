/// Whom to impersonate: one of the four identifiers of `t:ConnectingSID`.
package enum ConnectingSID: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The user principal name (UPN).
    case principalName(String)
    /// The security identifier in SDDL form (`S-1-5-21-…`).
    case sid(String)
    /// The primary SMTP address (proxy addresses are not accepted).
    case primarySmtpAddress(String)
    /// Any SMTP address of the mailbox.
    case smtpAddress(String)

    /// The element name inside `ConnectingSID`.
    package var elementName: String {
        switch self {
        case .principalName: return "PrincipalName"
        case .sid: return "SID"
        case .primarySmtpAddress: return "PrimarySmtpAddress"
        case .smtpAddress: return "SmtpAddress"
        }
    }

    /// The identifier value.
    package var value: String {
        switch self {
        case .principalName(let v), .sid(let v), .primarySmtpAddress(let v), .smtpAddress(let v): return v
        }
    }

    /// The value for `X-AnchorMailbox` (Exchange accepts SMTP addresses there, and `UPN:`/`SID:` forms).
    package var anchorMailbox: String {
        switch self {
        case .primarySmtpAddress(let v), .smtpAddress(let v): return v
        case .principalName(let v): return "UPN:\(v)"
        case .sid(let v): return "SID:\(v)"
        }
    }

    package var description: String { "\(elementName)=\(value)" }
}
