import EWSTransport
import Foundation

/// Finds the EWS endpoint of an address the way clients do, method by method, and records every
/// hop: each request, each redirect followed or refused, each DNS answer, the TLS facts of each host.
///
/// Rules it enforces (MSDOCS "Autodiscover for Exchange", EWSMA, exchangelib): https only, and
/// credentials only ever to https; at most ``DiscoveryConfiguration/maxRedirects`` redirects per
/// probe; no URL (for one address) or address visited twice; a redirect to another domain is
/// followed only when allowed, and always flagged.
package struct AutodiscoverEngine: Sendable {
    /// Whether to try every probe or stop at the first that finds an endpoint.
    package enum Mode: Sendable {
        /// Every method in the plan, every starting point: the evidence a certification needs.
        case survey
        /// Stop at the first probe that finds an endpoint, like a client.
        case firstFound
    }

    /// The transport (credentials, TLS settings, host pins) the requests go through.
    package let transport: HTTPTransport
    /// The plan and the rules.
    package let configuration: DiscoveryConfiguration

    /// Creates an engine.
    package init(transport: HTTPTransport, configuration: DiscoveryConfiguration = DiscoveryConfiguration()) {
        self.transport = transport
        self.configuration = configuration
    }

    /// Runs discovery for `address`.
    package func discover(_ address: String, mode: Mode = .survey) async -> DiscoveryReport {
        let address = address.trimmingCharacters(in: .whitespaces)
        let domain = DomainRules.domain(of: address) ?? ""
        let run = EngineRun(engine: self, domain: domain)
        var probes: [DiscoveryProbe] = []
        guard !domain.isEmpty else {
            return DiscoveryReport(address: address, domain: domain, methods: configuration.methods, probes: [], exchanges: [])
        }
        plan: for method in configuration.methods {
            for candidate in Self.candidates(of: method) {
                let probe = await run.probe(method: method, candidate: candidate, address: address)
                probes.append(probe)
                if mode == .firstFound, probe.conclusion == .found { break plan }
            }
        }
        return DiscoveryReport(address: address, domain: domain, methods: configuration.methods, probes: probes,
                               exchanges: await run.evidence.all)
    }

    /// The starting points of a method, in the order clients try them.
    package static func candidates(of method: DiscoveryMethod) -> [DiscoveryCandidate] {
        switch method {
        case .pox, .soap, .v2: return [.rootDomain, .autodiscoverHost]
        case .httpRedirect: return [.httpRedirect]
        case .dnsSRV: return [.srvTarget]
        }
    }

    /// The stable id of a probe (`pox.root-domain`, `http-redirect`, `dns-srv`).
    package static func probeID(_ method: DiscoveryMethod, _ candidate: DiscoveryCandidate) -> String {
        switch method {
        case .pox: return "pox.\(candidate.rawValue)"
        case .soap: return "soap.\(candidate.rawValue)"
        case .v2: return "v2.\(candidate.rawValue)"
        case .httpRedirect: return "http-redirect"
        case .dnsSRV: return "dns-srv"
        }
    }

    /// The first URL of a method at a host.
    static func url(_ method: DiscoveryMethod, host: String, address: String, v2Protocol: String) -> String {
        switch method {
        case .pox, .httpRedirect, .dnsSRV: return "https://\(host)\(POXAutodiscover.path)"
        case .soap: return "https://\(host)\(SOAPAutodiscover.path)"
        case .v2: return "https://\(host)\(AutodiscoverV2.path(for: address, protocol: v2Protocol))"
        }
    }

    static func host(_ candidate: DiscoveryCandidate, domain: String) -> String {
        candidate == .rootDomain ? domain : "autodiscover.\(domain)"
    }
}

/// Evidence and TLS facts shared by the probes of one run.
actor EvidenceLog {
    private var exchanges: [Int: HTTPExchange] = [:]
    private var tls: [String: TLSFacts] = [:]

    func add(_ exchange: HTTPExchange?) {
        if let exchange { exchanges[exchange.id] = exchange }
    }

    var all: [HTTPExchange] { exchanges.values.sorted { $0.id < $1.id } }

    func cachedTLS(_ key: String) -> TLSFacts? { tls[key] }
    func storeTLS(_ key: String, _ facts: TLSFacts) { tls[key] = facts }
}
