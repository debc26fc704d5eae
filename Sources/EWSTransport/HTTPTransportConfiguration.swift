/// Settings of an ``HTTPTransport``; a value, fixed when the transport is made.
package struct HTTPTransportConfiguration: Sendable {
    /// TLS settings.
    package struct TLS: Sendable, Hashable {
        /// Verify the server certificate and host name (on unless explicitly turned off).
        package var verify: Bool = true
        /// A PEM bundle of extra trusted CAs (a private CA, the simulator's CA).
        package var caFile: String?
        /// A PEM client certificate presented in the handshake (mutual TLS), with ``clientKeyFile``.
        package var clientCertificateFile: String?
        /// The PEM private key of ``clientCertificateFile`` (unencrypted; nil: the key is in the
        /// certificate file).
        package var clientKeyFile: String?
        /// Creates TLS settings.
        package init(verify: Bool = true, caFile: String? = nil, clientCertificateFile: String? = nil, clientKeyFile: String? = nil) {
            self.verify = verify
            self.caFile = caFile
            self.clientCertificateFile = clientCertificateFile
            self.clientKeyFile = clientKeyFile
        }
    }

    /// Time limits, in seconds.
    package struct Timeout: Sendable, Hashable {
        /// The default for ``connect``: 10 s.
        package static let defaultConnect: Double = 10
        /// The default for ``request``: 60 s.
        package static let defaultRequest: Double = 60
        /// For the TCP and TLS handshake.
        package var connect: Double = defaultConnect
        /// For a whole request, authentication legs included.
        package var request: Double = defaultRequest
        /// Creates time limits.
        package init(connect: Double = defaultConnect, request: Double = defaultRequest) {
            self.connect = connect
            self.request = request
        }
    }

    /// Which HTTP proxy requests go through. The environment (`https_proxy`, `HTTPS_PROXY`,
    /// `all_proxy`…) is ignored unless ``environment`` is chosen: a run must not silently go
    /// through a proxy nobody named.
    package enum Proxy: Sendable, Hashable, CustomStringConvertible {
        /// No proxy, whatever the environment says (the default).
        case none
        /// The proxy the environment names, as curl reads it (including `no_proxy`).
        case environment
        /// This proxy URL (`http://proxy.example:3128`, `socks5h://…`).
        case url(String)

        /// The proxy as a report may show it: user information in the URL is removed.
        package var description: String {
            switch self {
            case .none: return "none"
            case .environment: return "environment"
            case .url(let url): return Self.withoutUserInfo(url)
            }
        }

        /// The value for libcurl's CURLOPT_PROXY: "" (no proxy, environment ignored), the URL, or
        /// nil to leave libcurl reading the environment. For code that drives libcurl directly.
        package var curlOptionValue: String? {
            switch self {
            case .none: return ""
            case .environment: return nil
            case .url(let url): return url
            }
        }

        /// `http://user:pass@host:3128` → `http://[redacted]@host:3128`.
        static func withoutUserInfo(_ url: String) -> String {
            let schemeEnd = url.range(of: "://")
            let authorityStart = schemeEnd?.upperBound ?? url.startIndex
            let authorityEnd = url[authorityStart...].firstIndex(of: "/") ?? url.endIndex
            guard let at = url[authorityStart..<authorityEnd].lastIndex(of: "@") else { return url }
            return String(url[..<authorityStart]) + Redaction.marker + String(url[at...])
        }
    }

    /// How the transport authenticates.
    package var credentials: HTTPCredentials = .none
    /// Where each request takes its bearer token from, when tokens are renewed during the run:
    /// it then replaces ``credentials`` (which keep the first token) on every request that sends
    /// credentials. A copy made for other credentials (a probe) must set it to nil.
    package var bearerTokenSource: BearerTokenSource?
    /// What keeps the Kerberos ticket of ``HTTPCredentials/negotiate(_:)`` credentials valid: every
    /// request that sends them first has it renew the ticket when it is about to expire.
    package var kerberosTicketSource: KerberosTicketSource?
    /// TLS settings.
    package var tls = TLS()
    /// Time limits.
    package var timeout = Timeout()
    /// The HTTP proxy (none unless one is named).
    package var proxy: Proxy = .none
    /// Host names pointed elsewhere.
    package var hostPins: [HostPin] = []
    /// The largest response body accepted, in bytes.
    package var maxResponseBytes: Int = 64 * 1024 * 1024
    /// Parallel connections (one worker thread and one kept-alive connection each).
    package var connections: Int = 4
    /// The User-Agent sent.
    package var userAgent: String = "ewscheck/0.1"
    /// How much of each body the evidence keeps, in bytes.
    package var traceBodyLimit: Int = 16 * 1024

    /// Creates a configuration with defaults.
    package init(credentials: HTTPCredentials = .none, tls: TLS = TLS(), timeout: Timeout = Timeout(),
                hostPins: [HostPin] = [], connections: Int = 4, proxy: Proxy = .none) {
        self.credentials = credentials
        self.tls = tls
        self.timeout = timeout
        self.hostPins = hostPins
        self.connections = connections
        self.proxy = proxy
    }
}
