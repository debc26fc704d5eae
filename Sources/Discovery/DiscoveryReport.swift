import EWSTransport

/// Everything one discovery run found: every probe with its hops, the endpoint a client would
/// use, whether the methods agree, and the HTTP evidence.
package struct DiscoveryReport: Sendable, Codable {
    /// The address discovery started from.
    package var address: String
    /// Its domain.
    package var domain: String
    /// The methods in the plan, in order.
    package var methods: [DiscoveryMethod]
    /// Every probe, in client order.
    package var probes: [DiscoveryProbe]
    /// The EWS URL a client following the plan would use (the first probe that found one).
    package var ewsURL: String?
    /// The id of that probe.
    package var foundBy: String?
    /// Every HTTP exchange the probes made, secrets removed; hops point into it by id.
    package var exchanges: [HTTPExchange]

    /// Creates a report.
    package init(address: String, domain: String, methods: [DiscoveryMethod], probes: [DiscoveryProbe],
                exchanges: [HTTPExchange]) {
        self.address = address
        self.domain = domain
        self.methods = methods
        self.probes = probes
        self.exchanges = exchanges
        let first = probes.first { $0.conclusion == .found }
        ewsURL = first?.ewsURL
        foundBy = first?.id
    }

    /// The distinct EWS URLs the probes found, each with the probes that found it.
    package var foundURLs: [(url: String, probes: [String])] {
        var order: [String] = []
        var by: [String: [String]] = [:]
        for p in probes where p.conclusion == .found {
            guard let url = p.ewsURL else { continue }
            let key = Self.comparable(url)
            if by[key] == nil { order.append(key) }
            by[key, default: []].append(p.id)
        }
        return order.map { key in (probes.first { $0.ewsURL.map(Self.comparable) == key }?.ewsURL ?? key, by[key] ?? []) }
    }

    /// Whether every probe that found a URL found the same one (scheme and host compared without case).
    package var methodsAgree: Bool { foundURLs.count <= 1 }

    /// The probes of one method.
    package func probes(of method: DiscoveryMethod) -> [DiscoveryProbe] { probes.filter { $0.method == method } }

    /// The probe with this id.
    package func probe(_ id: String) -> DiscoveryProbe? { probes.first { $0.id == id } }

    /// A URL in the form used to compare: scheme and host lowercased, default port dropped.
    package static func comparable(_ url: String) -> String {
        guard let parts = URLParts(url) else { return url }
        return parts.normalized
    }
}
