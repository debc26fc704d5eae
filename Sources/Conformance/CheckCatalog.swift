/// The ids of the standard suite's checks, and its definitions as read from ``CheckRegistry``.
package enum CheckCatalog {
    package static let endpointReachable = CheckID("ews.endpoint.reachable")
    package static let oauthToken = CheckID("auth.oauth.token")
    package static let serviceAccountAuth = CheckID("auth.service-account")
    package static let serverVersion = CheckID("ews.server-version")
    package static let refusedSchemes = CheckID("auth.refused-schemes")
    package static let impersonationGetFolder = CheckID("impersonation.primary-smtp.getfolder")
    package static let requiredHeadersWithheld = CheckID("impersonation.required-headers.withheld")
    package static let outOfScopeDenied = CheckID("impersonation.out-of-scope.denied")
    package static let nonexistentRejected = CheckID("impersonation.nonexistent-mailbox.rejected")
    package static let requestVersionProduct = CheckID("ews.request-version.exchange2016")
    package static let voicemailDeliver = CheckID("voicemail.deliver")
    package static let voicemailMessageWaiting = CheckID("voicemail.message-waiting")
    package static let voicemailReadback = CheckID("voicemail.readback")
    package static let voicemailDelete = CheckID("voicemail.delete")
    package static let cleanupComplete = CheckID("suite.cleanup.complete")
    package static let discoveryEndpoint = CheckID("discovery.endpoint")
    package static let discoveryAgree = CheckID("discovery.agree")
    package static let discoveryTLS = CheckID("discovery.tls")
    package static let discoveryEWSAnswers = CheckID("discovery.ews-url.answers")

    /// `discovery.<probe id>`: the check of one Autodiscover probe.
    package static func discoveryProbe(_ probeID: String) -> CheckID { CheckID("discovery.\(probeID)") }

    /// Every check of the standard suite, in report order (areas together).
    package static var standard: [CheckDefinition] { CheckRegistry.reportOrder }

    /// Checks that only some runs have (an OAuth token, a profile's refused schemes, a discovery
    /// section): a dependency on one of them that did not run is no reason to skip.
    package static var conditional: Set<CheckID> { Set(standard.filter { $0.appliesWhen != nil }.map(\.id)) }

    /// The ids of the Autodiscover checks.
    package static var discoveryIDs: Set<CheckID> { Set(standard.filter { $0.area == "discovery" }.map(\.id)) }

    /// The definition of an id.
    package static func definition(_ id: CheckID) -> CheckDefinition? { CheckRegistry.check(id)?.definition }
}
