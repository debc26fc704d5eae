/// Settings of an ``AutodiscoverEngine``; a value.
package struct DiscoveryConfiguration: Sendable {
    /// The methods to try, in order (a profile's `discovery.methods`).
    package var methods: [DiscoveryMethod] = DiscoveryMethod.clientOrder
    /// Whether a redirect to another DNS domain may be followed (it is always flagged).
    package var allowCrossDomainRedirect = false
    /// Hosts outside the discovery domain that may still receive credentials (the target's EWS URL host,
    /// hosts a profile declares). An Autodiscover answer naming an EWS URL on any other host is flagged
    /// `cross-domain-ews-url` and, unless ``allowCrossDomainRedirect`` is set, not used.
    package var credentialHosts: [String] = []
    /// The most redirects (URL or address) one probe follows; clients stop after 10.
    package var maxRedirects = 10
    /// The DNS server for SRV (and SRV target address) look-ups; nil reads `/etc/resolv.conf`.
    package var dnsServer: DNSServerAddress?
    /// How long one DNS query may take, in seconds.
    package var dnsTimeout: Double = 3
    /// Whether each https host is also probed for its certificate and TLS version.
    package var probeTLS = true
    /// The `Protocol` asked of Autodiscover v2.
    package var v2Protocol = "EWS"

    /// Creates a configuration with defaults.
    package init(methods: [DiscoveryMethod] = DiscoveryMethod.clientOrder, allowCrossDomainRedirect: Bool = false,
                dnsServer: DNSServerAddress? = nil) {
        self.methods = methods
        self.allowCrossDomainRedirect = allowCrossDomainRedirect
        self.dnsServer = dnsServer
    }
}
