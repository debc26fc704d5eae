/// An application registered in the simulated Microsoft Entra tenant, as Exchange Online sees it.
package struct EntraApplication: Sendable, Hashable {
    /// The application (client) id.
    package var clientID: String
    /// The display name (`app_displayname` in its tokens).
    package var displayName: String
    /// The object id of its service principal in the tenant (`oid` in app-only tokens).
    package var servicePrincipalID: String
    /// Application permissions on Office 365 Exchange Online an administrator consented to
    /// (`roles` in its tokens); empty for an app without admin consent.
    package var roles: [String]

    /// Creates an application record.
    package init(clientID: String, displayName: String, servicePrincipalID: String, roles: [String]) {
        self.clientID = clientID.lowercased()
        self.displayName = displayName
        self.servicePrincipalID = servicePrincipalID.lowercased()
        self.roles = roles
    }
}

/// `Set-OrganizationConfig -EwsApplicationAccessPolicy`: which applications may use EWS at all.
/// From 1 October 2026 Exchange Online blocks EWS for applications not on the tenant's allow
/// list (Message Center MC1227454).
package enum EwsApplicationAccessPolicy: Sendable, Hashable {
    /// No policy: every application may use EWS.
    case none
    /// `EnforceAllowList`: only these application ids.
    case enforceAllowList(Set<String>)
    /// `EnforceBlockList`: every application but these.
    case enforceBlockList(Set<String>)

    /// Whether the policy lets the application use EWS.
    package func allowsEWS(_ appID: String) -> Bool {
        switch self {
        case .none: return true
        case .enforceAllowList(let ids): return ids.contains(appID.lowercased())
        case .enforceBlockList(let ids): return !ids.contains(appID.lowercased())
        }
    }
}
