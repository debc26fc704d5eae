import EWSProtocol
import Foundation

/// EWS refused by the tenant's policy, named: what turns Exchange's bare HTTP 403 into the
/// settings that cause it and the commands that lift them, instead of "forbidden".
///
/// Exchange answers every one of these causes alike: HTTP 403 with no body, before any SOAP
/// (on premises "User not allowed to access EWS" with the body suppressed, KB 3082946 and
/// observed behaviour; Exchange Online documents the 403
/// for licences without EWS rights (MC1191578) and answers Application Access Policies and
/// disabled EWS with 403 too, observed; that its 403 has no body is *inferred*). The answer itself
/// therefore cannot say which setting it was: the diagnosis reads the pattern instead, from who
/// asked (the service account or application itself, or a mailbox it impersonates) and how it
/// signed in (an app-only token is Exchange Online's; Basic/NTLM/Kerberos on-premises or a
/// hoster's), and names the causes that pattern leaves, each with its remedy and the command
/// that tells them apart. A 403 that carries a body (a proxy's or firewall's page) is not
/// recognised: Exchange's policy answer has none.
struct PolicyBlock: Sendable, Hashable {
    /// A setting that keeps EWS from the caller or a mailbox.
    enum Cause: String, Sendable, Hashable {
        /// `Set-OrganizationConfig -EwsEnabled $false`.
        case organizationDisabled = "organization-ews-disabled"
        /// Exchange Online: the application is not in the tenant's `EwsAllowedAppIDs`.
        case applicationNotAllowListed = "application-not-on-ews-allow-list"
        /// `-EwsApplicationAccessPolicy EnforceAllowList|EnforceBlockList` refuses the client's User-Agent.
        case userAgentNotAllowed = "user-agent-not-on-ews-allow-list"
        /// `Set-CASMailbox <service account> -EwsEnabled $false`.
        case serviceAccountDisabled = "service-account-ews-disabled"
        /// `Set-CASMailbox <mailbox> -EwsEnabled $false` (or the mailbox's own EWS block list).
        case mailboxDisabled = "mailbox-ews-disabled"
        /// Exchange Online: the mailbox holds only a Kiosk/frontline licence.
        case kioskLicence = "kiosk-licence"
        /// Exchange Online: the application's Application Access Policy leaves the mailbox out.
        case applicationAccessPolicy = "application-access-policy"
    }

    /// How sure the form of the answer is (the report says it with every diagnosis).
    static let answerEvidence = "HTTP 403 without a body: on premises User not allowed to access EWS with the body suppressed (KB 3082946, observed); "
        + "Exchange Online documents the 403 for licences without EWS rights (MC1191578) and answers Application Access Policies and disabled EWS "
        + "with 403 (observed); that its 403 has no body, and that it refuses a disabled mailbox when impersonated, is inferred"

    /// The causes the pattern leaves, the likelier first.
    var causes: [Cause]
    /// One sentence: what was refused, the causes with their remedies, how to tell them apart.
    var message: String

    /// The facts a check records with it.
    var facts: [String: String] {
        ["http_status": "403", "policy_block_causes": causes.map(\.rawValue).joined(separator: ", "),
         "policy_block_answer": Self.answerEvidence]
    }

    /// The diagnosis of a call's answer, or nil when it is not Exchange's policy refusal (not a
    /// 403, or a 403 with a body).
    ///
    /// - Parameters:
    ///   - mailbox: the mailbox the request impersonated; nil reads it from the request (nil
    ///     there too: the caller's own request).
    ///   - appID: the application (client) id of an app-only token; nil for Windows sign-ins.
    ///   - account: the service account's sign-in name (for the commands).
    ///   - userAgent: the User-Agent the requests carry.
    static func diagnose<P>(_ call: EWSCall<P>, mailbox: String?, appID: String?, account: String, userAgent: String) -> PolicyBlock? {
        guard case .httpError(403, _) = call.outcome else { return nil }
        let body = call.exchange?.responseBody ?? ""
        guard body.allSatisfy({ $0.isWhitespace }) else { return nil }
        // The anchor names the mailbox by SMTP address even when the header gives a SID.
        let anchor = call.exchange?.legs.last?.requestHeaders.first { $0.name.caseInsensitiveCompare("X-AnchorMailbox") == .orderedSame }?.value
        let impersonated = impersonatedAddress(in: call.exchange?.requestBody ?? "")
        return diagnosis(mailbox: mailbox ?? (impersonated == nil ? nil : (anchor ?? impersonated)), appID: appID,
                         account: account, userAgent: userAgent)
    }

    /// The ConnectingSID value of a request's ExchangeImpersonation header; nil without one.
    static func impersonatedAddress(in request: String) -> String? {
        guard let sid = request.range(of: "ConnectingSID>") else { return nil }
        let rest = request[sid.upperBound...]
        // The one child element: its text runs from the end of its start tag to the next tag.
        guard let open = rest.firstIndex(of: "<"), let startEnd = rest[open...].firstIndex(of: ">") else { return nil }
        let text = rest[rest.index(after: startEnd)...].prefix { $0 != "<" }.trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? nil : text
    }

    /// The causes and message for a bare 403 in this situation.
    static func diagnosis(mailbox: String?, appID: String?, account: String, userAgent: String) -> PolicyBlock {
        let bare = "HTTP 403 with no body, Exchange's answer when a policy keeps EWS from the caller"
        switch (mailbox, appID) {
        case (nil, let app?):
            return PolicyBlock(causes: [.applicationNotAllowListed, .organizationDisabled], message:
                "EWS blocked for the application itself (\(bare)): either the application \(app) is not on the tenant's EWS application allow list "
                + "(Exchange Online blocks EWS since 1 October 2026 for every application not in EwsAllowedAppIDs) — "
                + "remedy: Set-OrganizationConfig -EwsEnabled $true -EwsAllowedAppIDs @{Add=\"\(app)\"}; "
                + "or EWS is disabled for the organisation — remedy: Set-OrganizationConfig -EwsEnabled $true "
                + "(an allow list by User-Agent, -EwsApplicationAccessPolicy EnforceAllowList with -EwsAllowList, refuses alike). "
                + "Get-OrganizationConfig | Format-List Ews* shows which")
        case (nil, nil):
            return PolicyBlock(causes: [.organizationDisabled, .userAgentNotAllowed, .serviceAccountDisabled], message:
                "EWS blocked for the service account's own requests (\(bare), \"User not allowed to access EWS\"): EWS is disabled for the organisation — "
                + "remedy: Set-OrganizationConfig -EwsEnabled $true; or the organisation's EWS application policy refuses this client "
                + "(-EwsApplicationAccessPolicy EnforceAllowList with an -EwsAllowList that does not match its User-Agent \"\(userAgent)\", or an -EwsBlockList that does) — "
                + "remedy: Set-OrganizationConfig -EwsAllowList @{Add=\"\(userAgent)*\"} (or take it off -EwsBlockList); "
                + "or EWS is disabled for the service account — remedy: Set-CASMailbox \(account) -EwsEnabled $true. "
                + "Get-OrganizationConfig | Format-List Ews* and Get-CASMailbox \(account) | Format-List Ews* show which")
        case (let mailbox?, let app?):
            return PolicyBlock(causes: [.mailboxDisabled, .kioskLicence, .applicationAccessPolicy], message:
                "EWS blocked for \(mailbox) while the application's own requests are answered (\(bare)); Exchange Online answers so for three settings of the mailbox: "
                + "EWS disabled for it (or its EWS application block list refuses this client) — remedy: Set-CASMailbox \(mailbox) -EwsEnabled $true; "
                + "a Kiosk/frontline licence (Exchange Online Kiosk, Microsoft 365 F1 or F3) without EWS rights, refused since 30 June 2026 — "
                + "remedy: assign a licence with EWS (Exchange Online Plan 1 or 2, E3, E5); "
                + "an Application Access Policy of the application \(app) that leaves the mailbox out — remedy: add the mailbox to the policy's group, "
                + "or New-ApplicationAccessPolicy -AppId \(app) -PolicyScopeGroupId <a group with \(mailbox)> -AccessRight RestrictAccess. "
                + "Get-CASMailbox \(mailbox) | Format-List EwsEnabled, the mailbox's licences and Test-ApplicationAccessPolicy -Identity \(mailbox) -AppId \(app) show which")
        case (let mailbox?, nil):
            return PolicyBlock(causes: [.mailboxDisabled], message:
                "EWS blocked for \(mailbox) while the service account's own requests are answered (\(bare)): EWS is disabled for the mailbox, "
                + "or the mailbox's EWS application policy refuses this client — remedy: Set-CASMailbox \(mailbox) -EwsEnabled $true "
                + "(and check -EwsApplicationAccessPolicy/-EwsAllowList/-EwsBlockList: Get-CASMailbox \(mailbox) | Format-List Ews*)")
        }
    }
}
