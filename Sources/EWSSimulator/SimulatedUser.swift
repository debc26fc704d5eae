/// A directory account of the simulated tenant.
package struct SimulatedUser: Sendable, Hashable {
    /// The primary SMTP address (lower-case).
    package var primarySmtpAddress: String
    /// Other (proxy) SMTP addresses.
    package var proxyAddresses: [String]
    /// The user principal name.
    package var userPrincipalName: String
    /// The pre-Windows-2000 logon name (`svc-ewscheck`).
    package var samAccountName: String
    /// The security identifier.
    package var sid: String
    /// The display name.
    package var displayName: String
    /// The password, for accounts that sign in.
    package var password: String?
    /// Whether the account has a mailbox.
    package var hasMailbox: Bool
    /// Whether the mailbox is a room (bookable; GetRooms lists it).
    package var isRoom = false

    /// Creates a user.
    package init(primarySmtpAddress: String, proxyAddresses: [String] = [], userPrincipalName: String? = nil,
                samAccountName: String? = nil, sid: String, displayName: String, password: String? = nil,
                hasMailbox: Bool = true) {
        let smtp = primarySmtpAddress.lowercased()
        self.primarySmtpAddress = smtp
        self.proxyAddresses = proxyAddresses.map { $0.lowercased() }
        self.userPrincipalName = (userPrincipalName ?? smtp).lowercased()
        self.samAccountName = samAccountName ?? String(smtp.split(separator: "@").first ?? Substring(smtp))
        self.sid = sid
        self.displayName = displayName
        self.password = password
        self.hasMailbox = hasMailbox
    }
}

/// Which mailboxes an account may impersonate (the `ApplicationImpersonation` role and its scope).
package enum ImpersonationScope: Sendable, Hashable {
    /// Every mailbox of the organisation.
    case organization
    /// Only these primary SMTP addresses (a management scope).
    case mailboxes(Set<String>)

    func allows(_ smtp: String) -> Bool {
        switch self {
        case .organization: return true
        case .mailboxes(let set): return set.contains(smtp.lowercased())
        }
    }
}
