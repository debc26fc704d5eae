/// One method tried from one starting point (POX on the root domain, the http redirect, SRV…),
/// with every hop it took and how it ended.
package struct DiscoveryProbe: Sendable, Hashable, Codable {
    /// How a probe ended.
    package enum Conclusion: String, Sendable, Hashable, Codable {
        /// It found an EWS URL.
        case found
        /// The method is not offered here (nothing listens, 404, no SRV record): a client moves on.
        case notOffered = "not-offered"
        /// It is offered but broken or unsafe (an error answer, a loop, http, a bad certificate…).
        case failed
    }

    /// A stable id: `pox.root-domain`, `http-redirect`, `dns-srv`, `soap.autodiscover-host`, `v2.root-domain`.
    package var id: String
    /// The method.
    package var method: DiscoveryMethod
    /// Where it started.
    package var candidate: DiscoveryCandidate
    /// The first URL (or DNS name).
    package var start: String
    /// Every step, in order.
    package var hops: [DiscoveryHop]
    /// How it ended.
    package var conclusion: Conclusion
    /// The EWS URL it found.
    package var ewsURL: String?
    /// Why it ended the way it did, in one sentence.
    package var reason: String
    /// Flags raised by any hop (`cross-domain`, `non-https-refused`, `redirect-loop`…), deduplicated.
    package var flags: [String]
    /// Other settings the answer carried (SOAP: `CasVersion`, `UserDisplayName`, `EwsSupportedSchemas`…).
    package var settings: [String: String]
    /// The address that got the settings (after redirectAddr hops).
    package var finalAddress: String?

    /// Creates a probe record.
    package init(id: String, method: DiscoveryMethod, candidate: DiscoveryCandidate, start: String, hops: [DiscoveryHop] = [],
                conclusion: Conclusion, ewsURL: String? = nil, reason: String, flags: [String] = [],
                settings: [String: String] = [:], finalAddress: String? = nil) {
        self.id = id
        self.method = method
        self.candidate = candidate
        self.start = start
        self.hops = hops
        self.conclusion = conclusion
        self.ewsURL = ewsURL
        self.reason = reason
        self.flags = flags
        self.settings = settings
        self.finalAddress = finalAddress
    }
}
