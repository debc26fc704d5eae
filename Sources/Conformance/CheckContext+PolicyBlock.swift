import EWSProtocol

/// EWS blocked by tenant policy: the run's account, application and User-Agent for ``PolicyBlock``.
extension CheckContext {
    /// The policy diagnosis of a call's answer (nil unless it is Exchange's bare 403). An app-only
    /// token (client credentials) makes it an application's request; the mailbox comes from the
    /// request's impersonation header.
    func policyBlock<P>(_ call: EWSCall<P>) -> PolicyBlock? {
        PolicyBlock.diagnose(call, mailbox: nil, appID: state.oauth == nil ? nil : target.serviceAccount.oauth?.clientID,
                             account: target.serviceAccount.username, userAgent: transport.configuration.userAgent)
    }
}
