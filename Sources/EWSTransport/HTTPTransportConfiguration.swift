/// Settings of an ``HTTPTransport``; a value, fixed when the transport is made.
public struct HTTPTransportConfiguration: Sendable {
    /// TLS settings.
    public struct TLS: Sendable, Hashable {
        /// Verify the server certificate and host name (on unless explicitly turned off).
        public var verify: Bool = true
        /// A PEM bundle of extra trusted CAs (a private CA, the simulator's CA).
        public var caFile: String?
        /// Creates TLS settings.
        public init(verify: Bool = true, caFile: String? = nil) {
            self.verify = verify
            self.caFile = caFile
        }
    }

    /// Time limits, in seconds.
    public struct Timeout: Sendable, Hashable {
        /// For the TCP and TLS handshake.
        public var connect: Double = 10
        /// For a whole request, authentication legs included.
        public var request: Double = 60
        /// Creates time limits.
        public init(connect: Double = 10, request: Double = 60) {
            self.connect = connect
            self.request = request
        }
    }

    /// How the transport authenticates.
    public var credentials: HTTPCredentials = .none
    /// TLS settings.
    public var tls = TLS()
    /// Time limits.
    public var timeout = Timeout()
    /// Host names pointed elsewhere.
    public var hostPins: [HostPin] = []
    /// The largest response body accepted, in bytes.
    public var maxResponseBytes: Int = 64 * 1024 * 1024
    /// Parallel connections (one worker thread and one kept-alive connection each).
    public var connections: Int = 4
    /// The User-Agent sent.
    public var userAgent: String = "ewscheck/0.1"
    /// How much of each body the evidence keeps, in bytes.
    public var traceBodyLimit: Int = 16 * 1024

    /// Creates a configuration with defaults.
    public init(credentials: HTTPCredentials = .none, tls: TLS = TLS(), timeout: Timeout = Timeout(),
                hostPins: [HostPin] = [], connections: Int = 4) {
        self.credentials = credentials
        self.tls = tls
        self.timeout = timeout
        self.hostPins = hostPins
        self.connections = connections
    }
}
