/// EWS blocked by tenant policy: `EwsEnabled` for the organisation and the mailbox, the EWS
/// application allow list, licences without EWS rights, Application Access Policies.
///
/// Every one of them is answered with HTTP 403 and no body, before any SOAP:
/// - On premises: Microsoft's KB 3082946 shows the 403 in the IIS log and "AuthError=User not
///   allowed to access EWS" in the EWS log when the organisation's EWS allow list leaves a client
///   out; the body is suppressed. The access test applies to the caller, and a request that
///   carries ExchangeImpersonation is exempt, so these settings bind the caller's own requests
///   only (Exchange 2016's behaviour as read from its binaries, not documented: *inferred*).
/// - Exchange Online: the 403 is documented for licences without EWS rights (Message Center
///   MC1191578: "requests to use EWS without a suitable license will result in a HTTP 403
///   response") and observed for Application Access Policies (a Microsoft engineer: "403 is policy
///   block", David-Barrett-MS/PowerShell-EWS-Scripts #62) and for disabled EWS (tenants' reports
///   of 403s during Microsoft's EWS "scream tests"). That Exchange Online, like on premises, sends
///   no body, and that a disabled mailbox is refused even when impersonated, are *inferred*.
extension EWSService {
    /// The refusal of a request before its impersonation header is looked at: EWS disabled for
    /// the organisation, or the client not on its EWS allow list (Exchange Online refuses the
    /// application's token earlier, in ``BearerAuthenticator``); on premises also a mailbox user
    /// whose own EWS is disabled.
    func organizationRefusal(caller: SimulatedUser, impersonating: Bool) -> HTTPRefusal? {
        if flavor == .exchangeOnline {
            return quirks.contains(.organizationEwsDisabled) ? .policyBlocked : nil
        }
        // On premises the settings bind the caller, and an impersonating caller is exempt.
        guard !impersonating else { return nil }
        if quirks.contains(.organizationEwsDisabled) || quirks.contains(.appNotOnEwsAllowList) { return .policyBlocked }
        if quirks.contains(.mailboxEwsDisabled), caller.primarySmtpAddress == policyMailbox { return .policyBlocked }
        return nil
    }

    /// The refusal of a request that impersonates `target` (Exchange Online): EWS disabled for
    /// the mailbox, or the mailbox licensed without EWS rights. (The Application Access Policy
    /// is applied where the impersonation is resolved.)
    func mailboxRefusal(_ target: SimulatedUser) -> HTTPRefusal? {
        guard flavor == .exchangeOnline, target.primarySmtpAddress == policyMailbox else { return nil }
        if quirks.contains(.mailboxEwsDisabled) || quirks.contains(.mailboxKioskLicence) { return .policyBlocked }
        return nil
    }
}
