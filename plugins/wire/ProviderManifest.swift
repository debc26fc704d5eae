import Foundation

/// A provider profile: how one hoster exposes EWS. Plugins carry it as JSON (see
/// `plugins/manifest.schema.json`); a profile that needs no code is just this JSON in a file.
public struct ProviderManifest: Codable, Sendable, Hashable {
    /// Endpoint discovery: the methods to try, in order.
    public struct Discovery: Codable, Sendable, Hashable {
        /// The methods, in order.
        public var methods: [DiscoveryMethod]
        /// Creates a discovery plan.
        public init(methods: [DiscoveryMethod]) { self.methods = methods }
    }

    /// One discovery method.
    public struct DiscoveryMethod: Codable, Sendable, Hashable {
        /// Known method names.
        public static let known = ["fixed-url", "pox-autodiscover", "http-redirect", "dns-srv", "soap-autodiscover",
                                   "autodiscover-v2", "plugin-hook"]
        /// The method (`fixed-url`, `pox-autodiscover`, ...).
        public var method: String
        /// Placeholders `url_template` may hold.
        public static let placeholders = ["{domain}"]
        /// For `fixed-url`: the URL; `{domain}` stands for the domain of the address being certified.
        public var urlTemplate: String?
        /// Whether a redirect to another domain may be followed (it is always flagged).
        public var allowCrossDomainRedirect: Bool?

        enum CodingKeys: String, CodingKey {
            case method
            case urlTemplate = "url_template"
            case allowCrossDomainRedirect = "allow_cross_domain_redirect"
        }

        /// Creates a method.
        public init(method: String, urlTemplate: String? = nil, allowCrossDomainRedirect: Bool? = nil) {
            self.method = method
            self.urlTemplate = urlTemplate
            self.allowCrossDomainRedirect = allowCrossDomainRedirect
        }
    }

    /// Authentication the provider offers.
    public struct Auth: Codable, Sendable, Hashable {
        /// Known scheme names.
        public static let knownSchemes = ["basic", "ntlm", "negotiate", "digest", "oauth2-client-credentials"]
        /// Schemes the provider accepts, preferred first.
        public var schemes: [String]
        /// Schemes the provider must refuse (a must-fail check each).
        public var refusedSchemes: [String]
        /// OAuth settings, required when `oauth2-client-credentials` is accepted.
        public var oauth: OAuth?

        enum CodingKeys: String, CodingKey {
            case schemes
            case refusedSchemes = "refused_schemes"
            case oauth
        }

        /// Creates auth settings.
        public init(schemes: [String], refusedSchemes: [String] = [], oauth: OAuth? = nil) {
            self.schemes = schemes
            self.refusedSchemes = refusedSchemes
            self.oauth = oauth
        }
    }

    /// OAuth 2.0 client credentials (Microsoft identity platform v2 style).
    public struct OAuth: Codable, Sendable, Hashable {
        /// Token endpoint, with a `{tenant}` placeholder.
        public var tokenEndpointTemplate: String
        /// Scope, e.g. `https://outlook.office365.com/.default`.
        public var scopeTemplate: String
        /// Placeholders `token_endpoint_template` and `scope_template` may hold.
        public static let placeholders = ["{tenant}"]
        /// Application roles the token must carry (e.g. `full_access_as_app`).
        public var requiredRoles: [String]

        enum CodingKeys: String, CodingKey {
            case tokenEndpointTemplate = "token_endpoint_template"
            case scopeTemplate = "scope_template"
            case requiredRoles = "required_roles"
        }

        /// Creates OAuth settings.
        public init(tokenEndpointTemplate: String, scopeTemplate: String, requiredRoles: [String] = []) {
            self.tokenEndpointTemplate = tokenEndpointTemplate
            self.scopeTemplate = scopeTemplate
            self.requiredRoles = requiredRoles
        }
    }

    /// What the provider expects of EWS requests.
    public struct EWS: Codable, Sendable, Hashable {
        /// Known ConnectingSID forms.
        public static let knownConnectingSIDs = ["primary-smtp-address", "smtp-address", "principal-name", "sid"]
        /// `RequestServerVersion` to send.
        public var requestServerVersion: String
        /// The lowest acceptable server build (`15.0`, `15.1.2507`), if any.
        public var minimumServerVersion: String?
        /// The ConnectingSID forms the product impersonates with, preferred first (the manifest
        /// accepts one string or a list); the impersonation checks try each.
        public var connectingSIDs: [String]
        /// The preferred ConnectingSID form.
        public var connectingSID: String { connectingSIDs.first ?? "primary-smtp-address" }
        /// HTTP headers that must be sent (`X-AnchorMailbox`).
        public var requiredHeaders: [String]
        /// Extra fixed HTTP headers to send with every EWS request.
        public var extraHeaders: [String: String]
        /// Requests in flight at most (the provider's throttling policy).
        public var maxConcurrency: Int?

        enum CodingKeys: String, CodingKey {
            case requestServerVersion = "request_server_version"
            case minimumServerVersion = "minimum_server_version"
            case connectingSIDs = "connecting_sid"
            case requiredHeaders = "required_headers"
            case extraHeaders = "extra_headers"
            case maxConcurrency = "max_concurrency"
        }

        /// Creates EWS expectations.
        public init(requestServerVersion: String, minimumServerVersion: String? = nil, connectingSID: String = "primary-smtp-address",
                    connectingSIDs: [String]? = nil,
                    requiredHeaders: [String] = [], extraHeaders: [String: String] = [:], maxConcurrency: Int? = nil) {
            self.requestServerVersion = requestServerVersion
            self.minimumServerVersion = minimumServerVersion
            self.connectingSIDs = connectingSIDs ?? [connectingSID]
            self.requiredHeaders = requiredHeaders
            self.extraHeaders = extraHeaders
            self.maxConcurrency = maxConcurrency
        }
    }

    /// A check known to fail against this provider: a strict expected failure.
    public struct KnownDeviation: Codable, Sendable, Hashable {
        /// What a failure must show to be this deviation; every field given must match. A failure
        /// with another signature stays a failure.
        public struct Signature: Codable, Sendable, Hashable {
            /// The EWS ResponseCode (of a response message or a fault's detail).
            public var responseCode: String?
            /// The SOAP faultcode, as sent (`a:ErrorServerBusy`, `s:Server`).
            public var faultCode: String?
            /// The HTTP status.
            public var httpStatus: Int?
            /// Text the failure message or the fault text contains (case-insensitive).
            public var text: String?
            /// Facts the check records that must have these values (`unread_count: absent`).
            public var facts: [String: String]?

            enum CodingKeys: String, CodingKey {
                case responseCode = "response_code"
                case faultCode = "fault_code"
                case httpStatus = "http_status"
                case text, facts
            }

            /// Creates a signature.
            public init(responseCode: String? = nil, faultCode: String? = nil, httpStatus: Int? = nil, text: String? = nil,
                        facts: [String: String]? = nil) {
                self.responseCode = responseCode
                self.faultCode = faultCode
                self.httpStatus = httpStatus
                self.text = text
                self.facts = facts
            }

            /// Whether no field is given.
            public var isEmpty: Bool { responseCode == nil && faultCode == nil && httpStatus == nil && text == nil && (facts ?? [:]).isEmpty }
        }

        /// The check id.
        public var check: String
        /// Why it fails.
        public var reason: String
        /// Where it is documented.
        public var link: String?
        /// What the failure shows; nil accepts any failure of the check (a warning says so).
        public var signature: Signature?

        /// Creates a deviation.
        public init(check: String, reason: String, link: String? = nil, signature: Signature? = nil) {
            self.check = check
            self.reason = reason
            self.link = link
            self.signature = signature
        }
    }

    /// A dated fact about the provider (a feature removed, blocked or shut down on a date).
    public struct ReadinessNotice: Codable, Sendable, Hashable {
        /// Known kinds.
        public static let knownKinds = ["removed", "blocked", "shutdown", "deprecated", "changed"]
        /// A stable id.
        public var id: String
        /// The date it takes (or took) effect, `YYYY-MM-DD`.
        public var date: String
        /// `removed`, `blocked`, `shutdown`, `deprecated` or `changed`.
        public var kind: String
        /// One sentence.
        public var summary: String
        /// Where it is announced.
        public var link: String?

        /// Creates a notice.
        public init(id: String, date: String, kind: String, summary: String, link: String? = nil) {
            self.id = id
            self.date = date
            self.kind = kind
            self.summary = summary
            self.link = link
        }
    }

    /// Always 1 for this format.
    public var manifestVersion: Int
    /// A stable id (`exchange-online`).
    public var id: String
    /// A display name.
    public var name: String
    /// The profile's version.
    public var version: String
    /// Who maintains it.
    public var vendor: String
    /// Documentation of the provider or profile.
    public var docsURL: String?
    /// A paragraph for people.
    public var description: String?
    /// Endpoint discovery.
    public var discovery: Discovery
    /// Authentication.
    public var auth: Auth
    /// EWS expectations.
    public var ews: EWS
    /// Capabilities offered (`pull-notifications`, `streaming-notifications`, ...). Informational:
    /// shown in reports and `plugins inspect`; no check of this catalogue needs one yet.
    public var capabilities: [String]
    /// Known deviations.
    public var knownDeviations: [KnownDeviation]
    /// Dated readiness facts.
    public var readinessNotices: [ReadinessNotice]
    /// The simulator flavor that models this provider, if any.
    public var simulatorFlavor: String?

    enum CodingKeys: String, CodingKey {
        case manifestVersion = "manifest_version"
        case id, name, version, vendor
        case docsURL = "docs_url"
        case description, discovery, auth, ews, capabilities
        case knownDeviations = "known_deviations"
        case readinessNotices = "readiness_notices"
        case simulatorFlavor = "simulator_flavor"
    }

    /// Creates a manifest.
    public init(id: String, name: String, version: String, vendor: String, docsURL: String? = nil, description: String? = nil,
                discovery: Discovery, auth: Auth, ews: EWS, capabilities: [String] = [], knownDeviations: [KnownDeviation] = [],
                readinessNotices: [ReadinessNotice] = [], simulatorFlavor: String? = nil) {
        manifestVersion = 1
        self.id = id
        self.name = name
        self.version = version
        self.vendor = vendor
        self.docsURL = docsURL
        self.description = description
        self.discovery = discovery
        self.auth = auth
        self.ews = ews
        self.capabilities = capabilities
        self.knownDeviations = knownDeviations
        self.readinessNotices = readinessNotices
        self.simulatorFlavor = simulatorFlavor
    }

    /// The manifest as JSON (sorted keys, stable).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }
}
