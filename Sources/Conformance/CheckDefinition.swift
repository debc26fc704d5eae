/// What a check proves, and what it needs first.
public struct CheckDefinition: Sendable, Hashable {
    /// The stable id.
    public var id: CheckID
    /// A short title.
    public var title: String
    /// The requirement of the contact-center product this check proves.
    public var requirement: String
    /// Checks that must pass first (for per-mailbox checks, the same mailbox's result).
    public var dependsOn: [CheckID]
    /// Whether it runs once per configured mailbox.
    public var perMailbox: Bool
    /// Whether the operation under test must be refused by the provider (a negative control).
    public var mustFail: Bool
}

/// The checks of the standard suite, in run order.
public enum CheckCatalog {
    public static let endpointReachable = CheckID("ews.endpoint.reachable")
    public static let oauthToken = CheckID("auth.oauth.token")
    public static let serviceAccountAuth = CheckID("auth.service-account")
    public static let serverVersion = CheckID("ews.server-version")
    public static let refusedSchemes = CheckID("auth.refused-schemes")
    public static let impersonationGetFolder = CheckID("impersonation.primary-smtp.getfolder")
    public static let outOfScopeDenied = CheckID("impersonation.out-of-scope.denied")
    public static let nonexistentRejected = CheckID("impersonation.nonexistent-mailbox.rejected")
    public static let requestVersionProduct = CheckID("ews.request-version.exchange2016")
    public static let voicemailDeliver = CheckID("voicemail.deliver")
    public static let voicemailMessageWaiting = CheckID("voicemail.message-waiting")
    public static let voicemailReadback = CheckID("voicemail.readback")
    public static let voicemailDelete = CheckID("voicemail.delete")
    public static let cleanupComplete = CheckID("suite.cleanup.complete")

    /// Every check of the standard suite.
    public static let standard: [CheckDefinition] = discoveryChecks + [
        .init(id: endpointReachable, title: "EWS endpoint reachable",
              requirement: "The EWS URL answers HTTPS requests (any HTTP status) with a certificate the client trusts.",
              dependsOn: [], perMailbox: false, mustFail: false),
        OAuthTokenCheck.definition,
        .init(id: serviceAccountAuth, title: "Service account authenticates",
              requirement: "The service account's credentials are accepted with the configured scheme and EWS answers.",
              dependsOn: [endpointReachable, oauthToken], perMailbox: false, mustFail: false),
        .init(id: refusedSchemes, title: "Schemes the profile rules out are refused",
              requirement: "Authentication schemes the provider profile says are switched off (Basic in Exchange Online) are answered with 401, never served.",
              dependsOn: [endpointReachable], perMailbox: false, mustFail: true),
    ] + AuthChecks.definitions + KerberosChecks.definitions + [
        .init(id: serverVersion, title: "Server version reported",
              requirement: "EWS responses carry ServerVersionInfo, so clients can pick a request version.",
              dependsOn: [serviceAccountAuth], perMailbox: false, mustFail: false),
        .init(id: requestVersionProduct, title: "RequestServerVersion Exchange2016 accepted",
              requirement: "The provider accepts RequestServerVersion Exchange2016, which the product sends to Exchange 2016, 2019, SE and Online.",
              dependsOn: [serviceAccountAuth], perMailbox: false, mustFail: false),
        .init(id: impersonationGetFolder, title: "Impersonated GetFolder(Inbox) by primary SMTP address",
              requirement: "The service account can act as each configured mailbox through ExchangeImpersonation (PrimarySmtpAddress) and read its Inbox.",
              dependsOn: [serviceAccountAuth], perMailbox: true, mustFail: false),
        .init(id: outOfScopeDenied, title: "Out-of-scope mailbox is denied",
              requirement: "Impersonating a mailbox outside the service account's scope is refused with ErrorImpersonateUserDenied (the scope is enforced).",
              dependsOn: [serviceAccountAuth], perMailbox: false, mustFail: true),
        .init(id: nonexistentRejected, title: "Nonexistent mailbox is rejected",
              requirement: "Impersonating an address with no mailbox is refused with ErrorNonExistentMailbox.",
              dependsOn: [serviceAccountAuth], perMailbox: false, mustFail: true),
        .init(id: voicemailDeliver, title: "Voicemail lands in the Inbox",
              requirement: "A voicemail message (IPM.Note.Microsoft.Voicemail.UM.CA with a WAV attachment) can be created in each mailbox's Inbox.",
              dependsOn: [impersonationGetFolder], perMailbox: true, mustFail: false),
        .init(id: voicemailMessageWaiting, title: "New voicemail raises the Inbox unread count",
              requirement: "GetFolder(Inbox) reports UnreadCount, and a new voicemail raises it by one: message-waiting lamps are driven from it.",
              dependsOn: [voicemailDeliver], perMailbox: true, mustFail: false),
        .init(id: voicemailReadback, title: "Voicemail reads back byte for byte",
              requirement: "GetItem lists the WAV attachment and GetAttachment returns exactly the bytes delivered.",
              dependsOn: [voicemailDeliver], perMailbox: true, mustFail: false),
        .init(id: voicemailDelete, title: "Voicemail can be deleted",
              requirement: "DeleteItem (HardDelete) removes the voicemail; a later GetItem answers ErrorItemNotFound.",
              dependsOn: [voicemailDeliver], perMailbox: true, mustFail: false),
        .init(id: cleanupComplete, title: "Everything the suite created was removed",
              requirement: "No item created by the suite is left in any mailbox after the run.",
              dependsOn: [], perMailbox: false, mustFail: false),
    ]

    /// Checks that only some runs have (an OAuth token, a profile's refused schemes): a dependency
    /// on one of them that did not run is no reason to skip.
    public static let conditional: Set<CheckID> = Set([oauthToken, refusedSchemes]).union(AuthChecks.conditional).union(KerberosChecks.conditional)
        .union(discoveryIDs)

    /// The definition of an id.
    public static func definition(_ id: CheckID) -> CheckDefinition? { standard.first { $0.id == id } }
}
