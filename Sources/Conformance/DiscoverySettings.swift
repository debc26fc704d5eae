import Discovery
import Foundation
import Yams

/// The target file's `discovery:` section: find the EWS URL with Autodiscover instead of (or as
/// well as) naming it in `ews_url`.
///
/// ```yaml
/// discovery:
///   address: agent1@contoso.com     # or email_domain: contoso.com (then its first mailbox)
///   dns_server: 127.0.0.1:5353      # for SRV; default: /etc/resolv.conf
///   allow_cross_domain_redirect: false
/// ```
package struct DiscoverySettings: Sendable, Hashable {
    /// The address Autodiscover is asked about.
    package var address: String
    /// The DNS server for SRV look-ups.
    package var dnsServer: DNSServerAddress?
    /// Whether redirects into another domain may be followed (also allowed by a profile that allows them).
    package var allowCrossDomainRedirect: Bool
    /// Whether the target's `ews_url` came from Autodiscover (the file named none).
    package var endpointWasDiscovered = false
    /// How the endpoint was found (`pox-autodiscover`, `fixed-url`, `plugin-hook`...), once it was.
    package var endpointSource: String?

    /// Creates settings.
    package init(address: String, dnsServer: DNSServerAddress? = nil, allowCrossDomainRedirect: Bool = false) {
        self.address = address
        self.dnsServer = dnsServer
        self.allowCrossDomainRedirect = allowCrossDomainRedirect
    }

    /// The placeholder `ews_url` of a target whose endpoint is still to be discovered. `.invalid`
    /// never resolves, so a run whose discovery failed says so in every EWS check instead of reaching
    /// some other server.
    static let placeholderURL = "https://ews-url-not-discovered.invalid/EWS/Exchange.asmx"
}

extension TargetConfiguration {
    static let discoveryKeys = ["address", "email_domain", "dns_server", "allow_cross_domain_redirect"]


    /// The `discovery:` section as written (before mailboxes are known); nil when absent.
    static func discoverySection(_ top: Node.Mapping) throws(TargetFileError) -> Node.Mapping? {
        guard let node = top["discovery"] else { return nil }
        guard let m = node.mapping else { throw TargetFileError("discovery (line \(line(node))) must be a mapping of keys to values") }
        for key in m.keys {
            let name = key.scalar?.string ?? "?"
            if !discoveryKeys.contains(name) {
                throw TargetFileError("unknown key '\(name)' at line \(line(key)) in discovery (allowed: \(discoveryKeys.joined(separator: ", ")))")
            }
        }
        return m
    }

    /// Reads the `discovery:` section once the mailboxes are known.
    static func discoverySettings(_ m: Node.Mapping, mailboxes: [String]) throws(TargetFileError) -> DiscoverySettings {
        let address = try string(m, "address", path: "discovery.")
        let domain = try string(m, "email_domain", path: "discovery.")?.lowercased()
        let chosen: String
        switch (address, domain) {
        case (let a?, nil):
            guard a.contains("@"), !a.hasPrefix("@"), !a.hasSuffix("@") else {
                throw TargetFileError("discovery.address '\(a)' is not an e-mail address")
            }
            chosen = a.lowercased()
        case (nil, let d?):
            guard let first = mailboxes.first(where: { $0.hasSuffix("@" + d) }) else {
                throw TargetFileError("discovery.email_domain is \(d), but no mailbox is in that domain; give discovery.address instead")
            }
            chosen = first
        case (nil, nil):
            guard let first = mailboxes.first else { throw TargetFileError("discovery needs address or email_domain") }
            chosen = first
        case (_?, _?):
            throw TargetFileError("discovery has both address and email_domain; keep one")
        }
        var dns: DNSServerAddress?
        if let text = try string(m, "dns_server", path: "discovery.") {
            guard let server = DNSServerAddress(parsing: text) else {
                throw TargetFileError("discovery.dns_server '\(text)' is not an IP address with an optional port (127.0.0.1:5353, [::1]:53)")
            }
            dns = server
        }
        var allow = false
        if let v = m["allow_cross_domain_redirect"] {
            guard let b = v.bool else { throw TargetFileError("discovery.allow_cross_domain_redirect (line \(line(v))) must be true or false") }
            allow = b
        }
        return DiscoverySettings(address: chosen, dnsServer: dns, allowCrossDomainRedirect: allow)
    }
}
