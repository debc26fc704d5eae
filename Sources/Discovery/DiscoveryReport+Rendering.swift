import Foundation
import EWSTransport

extension DiscoveryReport {
    /// The report as a readable tree: each probe, each hop (method, URL, status, time, outcome),
    /// TLS facts per host, flags, and the result.
    package func tree() -> String {
        var lines: [String] = []
        lines.append("Autodiscover for \(address) (domain \(domain)); methods: \(methods.map(\.rawValue).joined(separator: ", "))")
        var tlsShown: Set<String> = []
        for (i, probe) in probes.enumerated() {
            let lastProbe = i == probes.count - 1
            let mark: String
            switch probe.conclusion {
            case .found: mark = "✔"
            case .notOffered: mark = "·"
            case .failed: mark = "✘"
            }
            let verdict = probe.conclusion == .notOffered ? "not offered: \(probe.reason)" : (probe.conclusion == .failed ? "FAILED: \(probe.reason)" : probe.reason)
            lines.append("\(lastProbe ? "└─" : "├─") \(mark) \(probe.id) — \(verdict)")
            let stem = lastProbe ? "   " : "│  "
            if !probe.flags.isEmpty { lines.append("\(stem)   flags: \(probe.flags.joined(separator: ", "))") }
            for (j, hop) in probe.hops.enumerated() {
                let lastHop = j == probe.hops.count - 1
                lines.append("\(stem)\(lastHop ? "└─" : "├─") \(hop.line)")
                let inner = stem + (lastHop ? "   " : "│  ")
                if let tls = hop.tls {
                    let key = "\(tls.host):\(tls.port)"
                    if !tlsShown.contains(key) || !tls.problems.isEmpty {
                        tlsShown.insert(key)
                        lines.append("\(inner)   TLS \(key): \(tls.summary)")
                    }
                }
            }
        }
        lines.append("")
        if let ewsURL {
            lines.append("EWS URL: \(ewsURL)  (a client following this plan stops at \(foundBy ?? "?"))")
        } else {
            lines.append("EWS URL: not found by any method")
        }
        let found = foundURLs
        if found.count > 1 {
            lines.append("Methods DISAGREE: " + found.map { "\($0.url) (\($0.probes.joined(separator: ", ")))" }.joined(separator: "; "))
        } else if let only = found.first, only.probes.count > 1 {
            lines.append("All \(only.probes.count) probes that found an endpoint agree.")
        }
        let failed = probes.filter { $0.conclusion == .failed }
        if !failed.isEmpty {
            lines.append("Broken or unsafe: " + failed.map(\.id).joined(separator: ", "))
        }
        return lines.joined(separator: "\n")
    }

    /// The report as JSON: snake_case keys, sorted, pretty.
    package func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(JSONForm(self))
    }

    /// The encoded form: the report plus the derived verdicts a machine reader wants.
    private struct JSONForm: Encodable {
        var address: String
        var domain: String
        var methods: [DiscoveryMethod]
        var ewsURL: String?
        var foundBy: String?
        var methodsAgree: Bool
        var foundURLs: [[String: [String]]]
        var probes: [DiscoveryProbe]
        var exchanges: [HTTPExchange]

        init(_ r: DiscoveryReport) {
            address = r.address
            domain = r.domain
            methods = r.methods
            ewsURL = r.ewsURL
            foundBy = r.foundBy
            methodsAgree = r.methodsAgree
            foundURLs = r.foundURLs.map { [$0.url: $0.probes] }
            probes = r.probes
            exchanges = r.exchanges
        }

        enum CodingKeys: String, CodingKey {
            case address, domain, methods, foundBy, methodsAgree, probes, exchanges
            case ewsURL = "ewsUrl"
            case foundURLs = "foundUrls"
        }

        // A missing endpoint is an explicit null, not an absent key.
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(address, forKey: .address)
            try c.encode(domain, forKey: .domain)
            try c.encode(methods, forKey: .methods)
            try c.encode(ewsURL, forKey: .ewsURL)
            try c.encode(foundBy, forKey: .foundBy)
            try c.encode(methodsAgree, forKey: .methodsAgree)
            try c.encode(foundURLs, forKey: .foundURLs)
            try c.encode(probes, forKey: .probes)
            try c.encode(exchanges, forKey: .exchanges)
        }
    }
}

extension DiscoveryHop {
    /// `2. POST https://… → 302 http-redirect (12 ms) Location: …`
    package var line: String {
        let status = status.map { " → \($0)" } ?? (kind == .dns ? " →" : "")
        let sent = outcome != .refused
        let auth = kind == .request && sent ? (authenticated ? " [credentials offered]" : " [no credentials]") : ""
        let time = sent ? String(format: " (%.0f ms)", durationMilliseconds) : ""
        let verbText = sent ? verb : "✘ not followed:"
        let flagText = flags.isEmpty ? "" : " {\(flags.joined(separator: ", "))}"
        return "\(step). \(verbText) \(url)\(status) \(outcome.rawValue)\(time)\(auth)\(detail.isEmpty ? "" : " — \(detail)")\(flagText)"
    }
}
