/// The ids of the standard suite's checks, and its definitions as read from ``CheckRegistry``.
public enum CheckCatalog {
    public static let endpointReachable = CheckID("ews.endpoint.reachable")
    public static let oauthToken = CheckID("auth.oauth.token")
    public static let serviceAccountAuth = CheckID("auth.service-account")
    public static let serverVersion = CheckID("ews.server-version")
    public static let refusedSchemes = CheckID("auth.refused-schemes")
    public static let impersonationGetFolder = CheckID("impersonation.primary-smtp.getfolder")
    public static let requiredHeadersWithheld = CheckID("impersonation.required-headers.withheld")
    public static let outOfScopeDenied = CheckID("impersonation.out-of-scope.denied")
    public static let nonexistentRejected = CheckID("impersonation.nonexistent-mailbox.rejected")
    public static let requestVersionProduct = CheckID("ews.request-version.exchange2016")
    public static let voicemailDeliver = CheckID("voicemail.deliver")
    public static let voicemailMessageWaiting = CheckID("voicemail.message-waiting")
    public static let voicemailReadback = CheckID("voicemail.readback")
    public static let voicemailDelete = CheckID("voicemail.delete")
    public static let cleanupComplete = CheckID("suite.cleanup.complete")
    public static let discoveryEndpoint = CheckID("discovery.endpoint")
    public static let discoveryAgree = CheckID("discovery.agree")
    public static let discoveryTLS = CheckID("discovery.tls")
    public static let discoveryEWSAnswers = CheckID("discovery.ews-url.answers")

    /// `discovery.<probe id>`: the check of one Autodiscover probe.
    public static func discoveryProbe(_ probeID: String) -> CheckID { CheckID("discovery.\(probeID)") }

    /// Every check of the standard suite, in report order (areas together).
    public static var standard: [CheckDefinition] { CheckRegistry.reportOrder }

    /// Checks that only some runs have (an OAuth token, a profile's refused schemes, a discovery
    /// section): a dependency on one of them that did not run is no reason to skip.
    public static var conditional: Set<CheckID> { Set(standard.filter { $0.appliesWhen != nil }.map(\.id)) }

    /// The ids of the Autodiscover checks.
    public static var discoveryIDs: Set<CheckID> { Set(standard.filter { $0.area == "discovery" }.map(\.id)) }

    /// The definition of an id.
    public static func definition(_ id: CheckID) -> CheckDefinition? { CheckRegistry.check(id)?.definition }
}
