/// An Autodiscover method, named as provider profiles name it (`discovery.methods[].method`).
package enum DiscoveryMethod: String, Sendable, Hashable, Codable, CaseIterable {
    /// POX Autodiscover: an authenticated POST to `/autodiscover/autodiscover.xml`.
    case pox = "pox-autodiscover"
    /// An unauthenticated GET to `http://autodiscover.<domain>/…`, whose 301/302 names an https URL.
    case httpRedirect = "http-redirect"
    /// The DNS SRV record `_autodiscover._tcp.<domain>`.
    case dnsSRV = "dns-srv"
    /// SOAP Autodiscover `GetUserSettings` at `/autodiscover/autodiscover.svc`.
    case soap = "soap-autodiscover"
    /// Autodiscover v2: `GET /autodiscover/autodiscover.json/v1.0/<smtp>?Protocol=EWS`.
    case v2 = "autodiscover-v2"

    /// The order clients try methods in (POX hosts, then the http redirect, then SRV; SOAP and v2
    /// are the newer clients' equivalents of POX).
    package static let clientOrder: [DiscoveryMethod] = [.pox, .httpRedirect, .dnsSRV, .soap, .v2]
}

/// Where one probe of a method starts.
package enum DiscoveryCandidate: String, Sendable, Hashable, Codable {
    /// `https://<domain>/…`
    case rootDomain = "root-domain"
    /// `https://autodiscover.<domain>/…`
    case autodiscoverHost = "autodiscover-host"
    /// `http://autodiscover.<domain>/…` (the redirect lookup; never authenticated).
    case httpRedirect = "http-redirect"
    /// The target of an SRV record.
    case srvTarget = "srv-target"
}
