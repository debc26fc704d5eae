/// How the caller of an EWS request proved who it is; it decides the ExchangeImpersonation rules.
enum CallerAuthorization: Sendable {
    /// Basic or NTLM: the ApplicationImpersonation role and its scope decide.
    case windows
    /// An app-only OAuth token (`full_access_as_app`): the header is required, and an Application
    /// Access Policy may narrow the mailboxes (nil: every mailbox).
    case appOnly(appID: String, allowedMailboxes: Set<String>?)
    /// A delegated OAuth token (`EWS.AccessAsUser.All`): the header must not be there.
    case delegated
}

/// Refused with a plain HTTP status, before or instead of any SOAP (Exchange Online's answer to
/// a request a policy blocks: 403, no body).
struct HTTPRefusal: Error, Sendable {
    var status: Int
    var headers: [(String, String)]

    /// Exchange Online's answer when a policy blocks an application: 403 with an empty body.
    static let policyBlocked = HTTPRefusal(status: 403, headers: [("Cache-Control", "private")])
}
