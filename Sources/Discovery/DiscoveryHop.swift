/// One step of a probe: an HTTP request, a DNS query, or a redirect that was (or was not) followed.
package struct DiscoveryHop: Sendable, Hashable, Codable {
    /// What kind of step it was.
    package enum Kind: String, Sendable, Hashable, Codable {
        /// An HTTP request (POX/SOAP POST, v2 or redirect-lookup GET).
        case request
        /// A DNS query.
        case dns
    }

    /// What the step led to.
    package enum Finding: String, Sendable, Hashable, Codable {
        /// Autodiscover settings with an EWS URL.
        case settings
        /// An HTTP 301/302/307/308 with a Location.
        case httpRedirect = "http-redirect"
        /// An Autodiscover answer naming another URL (`redirectUrl`, SOAP `RedirectUrl`).
        case redirectURL = "redirect-url"
        /// An Autodiscover answer naming another address (`redirectAddr`, SOAP `RedirectAddress`).
        case redirectAddress = "redirect-addr"
        /// An Autodiscover error answer (POX `Error`, SOAP `ErrorCode`).
        case autodiscoverError = "autodiscover-error"
        /// An HTTP status that says Autodiscover is not served here (404, 403, 405, 5xx…).
        case notServed = "not-served"
        /// HTTP 401 after the credentials were offered.
        case unauthorized
        /// No TCP connection, or the name did not resolve.
        case unreachable
        /// The TLS handshake or the certificate check failed.
        case tlsFailed = "tls-failed"
        /// An answer that is not the Autodiscover the method expects.
        case malformed
        /// DNS records found.
        case records
        /// DNS answered, but without usable records.
        case noRecords = "no-records"
        /// The harness did not make the request (http, a loop, a foreign domain, too many hops).
        case refused
    }

    /// 1-based position in the probe.
    package var step: Int
    /// Request or DNS query.
    package var kind: Kind
    /// The Autodiscover method the step belongs to.
    package var method: DiscoveryMethod
    /// `POST`, `GET`, `SRV`, `A`; `-` for a request the harness did not make (``Finding/refused``,
    /// which is what code tests).
    package var verb: String
    /// The URL, or the DNS name queried.
    package var url: String
    /// The e-mail address asked about.
    package var address: String?
    /// Whether credentials were offered.
    package var authenticated: Bool
    /// The HTTP status (nil for DNS and for requests without an answer).
    package var status: Int?
    /// How long the step took, in milliseconds.
    package var durationMilliseconds: Double
    /// What it led to.
    package var outcome: Finding
    /// Specifics: the EWS URL, the redirect target, the error, the records.
    package var detail: String
    /// Warnings about this step (`cross-domain`, `non-https-refused`, `srv-port-not-443`…).
    package var flags: [String]
    /// The evidence id of the HTTP exchange (see ``DiscoveryReport/exchanges``).
    package var exchangeID: Int?
    /// TLS facts of the host, for https steps.
    package var tls: TLSFacts?

    /// Creates a hop record.
    package init(step: Int, kind: Kind, method: DiscoveryMethod, verb: String, url: String, address: String?, authenticated: Bool,
                status: Int?, durationMilliseconds: Double, outcome: Finding, detail: String, flags: [String] = [],
                exchangeID: Int? = nil, tls: TLSFacts? = nil) {
        self.step = step
        self.kind = kind
        self.method = method
        self.verb = verb
        self.url = url
        self.address = address
        self.authenticated = authenticated
        self.status = status
        self.durationMilliseconds = durationMilliseconds
        self.outcome = outcome
        self.detail = detail
        self.flags = flags
        self.exchangeID = exchangeID
        self.tls = tls
    }
}
