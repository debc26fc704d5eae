// The JSON a provider plugin's hooks exchange with the host (plugins/abi/include/ewscheck_plugin.h).
//
// One input/output pair per hook. Keys are snake_case and spelled out in each `CodingKeys`, so the
// wire format never depends on a key-coding strategy. Inputs encode absent optionals as JSON `null`
// (the documented shape always has every key); outputs decode leniently where the docs say a key may
// be left out, and strictly on types. Whatever a plugin returns is untrusted: `validationProblems()`
// lists what the host must refuse even when the JSON decodes.

import Foundation

/// The hooks a plugin may provide; the raw value is the name used in docs, diagnostics and JSON.
public enum PluginHookName: String, Sendable, Hashable, Codable, CaseIterable {
    /// Change the URL or headers of a request before it is sent.
    case adjustRequest = "adjust_request"
    /// Find the EWS URL for an address in a custom way.
    case discoverEndpoint = "discover_endpoint"
    /// Obtain a bearer token in a custom way.
    case acquireToken = "acquire_token"
    /// Map a hoster's odd answer to a standard outcome.
    case classifyResponse = "classify_response"
}

// MARK: - adjust_request

/// Input of `adjust_request`: the request about to be sent. `Authorization` is never included.
///
/// ```json
/// {"method": "POST", "url": "https://mail.example.com/EWS/Exchange.asmx",
///  "headers": [{"name": "Content-Type", "value": "text/xml; charset=utf-8"}],
///  "operation": "GetFolder", "impersonated_mailbox": "alice@example.com"}
/// ```
public struct AdjustRequestInput: Codable, Sendable, Hashable {
    /// One request header.
    public struct Header: Codable, Sendable, Hashable {
        /// The header name as it will be sent.
        public var name: String
        /// Its value.
        public var value: String
        enum CodingKeys: String, CodingKey { case name, value }
        /// Creates a header.
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// The HTTP method (`POST`, `GET`).
    public var method: String
    /// The absolute URL.
    public var url: String
    /// The headers in send order, `Authorization` left out.
    public var headers: [Header]
    /// The EWS operation (`GetFolder`), or `nil` for a request that is not an EWS call (Autodiscover).
    public var operation: String?
    /// The mailbox the request impersonates, if any.
    public var impersonatedMailbox: String?

    enum CodingKeys: String, CodingKey {
        case method, url, headers, operation
        case impersonatedMailbox = "impersonated_mailbox"
    }

    /// Creates the input; an `Authorization` header in `headers` is dropped, since hooks never see it.
    public init(method: String, url: String, headers: [Header], operation: String? = nil, impersonatedMailbox: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers.filter { $0.name.lowercased() != "authorization" }
        self.operation = operation
        self.impersonatedMailbox = impersonatedMailbox
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeEveryKey([.method: method, .url: url, .headers: headers, .operation: operation, .impersonatedMailbox: impersonatedMailbox])
    }
}

/// Output of `adjust_request`: what to change. Returning NULL instead means "change nothing".
///
/// ```json
/// {"url": null, "set_headers": {"X-AnchorMailbox": "alice@example.com"}, "remove_headers": ["X-Debug"]}
/// ```
/// `set_headers` and `remove_headers` may be left out. The headers of ``HeaderPolicy/protectedNames``
/// (`Authorization`, `Host`, `Content-Length`, `Cookie`, …) may be neither set nor removed; the host refuses such output as a whole, with a diagnostic.
public struct AdjustRequestOutput: Codable, Sendable, Hashable {
    /// Header names (lowercased) a hook may neither set nor remove: the host owns authentication and framing.
    public static var protectedHeaderNames: Set<String> { HeaderPolicy.protectedNames }

    /// A replacement URL, or `nil` to keep it.
    public var url: String?
    /// Headers to add or overwrite.
    public var setHeaders: [String: String]
    /// Header names to remove (case-insensitive).
    public var removeHeaders: [String]

    enum CodingKeys: String, CodingKey {
        case url
        case setHeaders = "set_headers"
        case removeHeaders = "remove_headers"
    }

    /// Creates the output.
    public init(url: String? = nil, setHeaders: [String: String] = [:], removeHeaders: [String] = []) {
        self.url = url
        self.setHeaders = setHeaders
        self.removeHeaders = removeHeaders
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        url = try c.decodeIfPresent(String.self, forKey: .url)
        setHeaders = try c.decodeIfPresent([String: String].self, forKey: .setHeaders) ?? [:]
        removeHeaders = try c.decodeIfPresent([String].self, forKey: .removeHeaders) ?? []
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeEveryKey([.url: url, .setHeaders: setHeaders, .removeHeaders: removeHeaders])
    }

    /// What the host refuses: protected headers, names that are not tokens, values with line breaks, a URL that
    /// is not absolute https (a hook must never downgrade a request that carries credentials to plain http).
    public func validationProblems() -> [String] {
        var problems: [String] = []
        if let url, !url.hasPrefix("https://") || URL(string: url)?.host == nil {
            problems.append("url '\(url.prefix(200))' is not an absolute https URL")
        }
        for name in setHeaders.keys.sorted() {
            if Self.protectedHeaderNames.contains(name.lowercased()) { problems.append("set_headers may not set \(name)") }
            else if !isHeaderName(name) { problems.append("set_headers: '\(name.prefix(100))' is not an HTTP header name") }
            // By scalar: "\r\n" is one Character, so a Character comparison would miss it.
            if let value = setHeaders[name], value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) {
                problems.append("set_headers.\(name.prefix(100)): the value contains a line break or NUL")
            }
        }
        for name in removeHeaders {
            if Self.protectedHeaderNames.contains(name.lowercased()) { problems.append("remove_headers may not remove \(name)") }
            else if !isHeaderName(name) { problems.append("remove_headers: '\(name.prefix(100))' is not an HTTP header name") }
        }
        return problems
    }
}

// MARK: - discover_endpoint

/// Input of `discover_endpoint`.
///
/// ```json
/// {"email_address": "alice@example.com", "domain": "example.com"}
/// ```
public struct DiscoverEndpointInput: Codable, Sendable, Hashable {
    /// The mailbox to find the endpoint for.
    public var emailAddress: String
    /// Its domain part.
    public var domain: String

    enum CodingKeys: String, CodingKey {
        case emailAddress = "email_address"
        case domain
    }

    /// Creates the input.
    public init(emailAddress: String, domain: String) {
        self.emailAddress = emailAddress
        self.domain = domain
    }
}

/// Output of `discover_endpoint`. Returning NULL instead means "not found by this hook".
///
/// ```json
/// {"ews_url": "https://ews.example.com/EWS/Exchange.asmx", "notes": ["tenant found in the hoster's directory"]}
/// ```
public struct DiscoverEndpointOutput: Codable, Sendable, Hashable {
    /// The EWS URL, https only.
    public var ewsURL: String
    /// What the hook did, for the discovery trace (may be left out).
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case ewsURL = "ews_url"
        case notes
    }

    /// Creates the output.
    public init(ewsURL: String, notes: [String] = []) {
        self.ewsURL = ewsURL
        self.notes = notes
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        ewsURL = try c.decode(String.self, forKey: .ewsURL)
        notes = try c.decodeIfPresent([String].self, forKey: .notes) ?? []
    }

    /// What the host refuses: a URL that is not an absolute https URL.
    public func validationProblems() -> [String] {
        guard ewsURL.hasPrefix("https://"), let url = URL(string: ewsURL), url.host != nil else {
            return ["ews_url '\(ewsURL.prefix(200))' is not an absolute https URL"]
        }
        return []
    }
}

// MARK: - acquire_token

/// Input of `acquire_token`. Carries a secret: the host never logs it, and `description` redacts it.
///
/// ```json
/// {"tenant": "contoso.onmicrosoft.com", "client_id": "1b7c…", "client_secret": "…",
///  "scope": "https://outlook.office365.com/.default",
///  "token_endpoint": "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"}
/// ```
public struct AcquireTokenInput: Codable, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The tenant (domain or GUID).
    public var tenant: String
    /// The application (client) id.
    public var clientID: String
    /// The client secret.
    public var clientSecret: String
    /// The scope to request.
    public var scope: String
    /// The token endpoint, placeholders already filled in.
    public var tokenEndpoint: String

    enum CodingKeys: String, CodingKey {
        case tenant
        case clientID = "client_id"
        case clientSecret = "client_secret"
        case scope
        case tokenEndpoint = "token_endpoint"
    }

    /// Creates the input.
    public init(tenant: String, clientID: String, clientSecret: String, scope: String, tokenEndpoint: String) {
        self.tenant = tenant
        self.clientID = clientID
        self.clientSecret = clientSecret
        self.scope = scope
        self.tokenEndpoint = tokenEndpoint
    }

    public var description: String { "AcquireTokenInput(tenant: \(tenant), client_id: \(clientID), client_secret: <redacted>, scope: \(scope))" }
    public var debugDescription: String { description }
}

/// Output of `acquire_token`. Carries a secret: the host never logs it, and `description` redacts it.
///
/// ```json
/// {"access_token": "eyJ0eXAi…", "expires_in": 3599}
/// ```
public struct AcquireTokenOutput: Codable, Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The bearer token.
    public var accessToken: String
    /// Seconds until it expires.
    public var expiresIn: Int

    enum CodingKeys: String, CodingKey {
        case accessToken = "access_token"
        case expiresIn = "expires_in"
    }

    /// Creates the output.
    public init(accessToken: String, expiresIn: Int) {
        self.accessToken = accessToken
        self.expiresIn = expiresIn
    }

    /// What the host refuses: an empty token, one with whitespace or control characters, a non-positive lifetime.
    public func validationProblems() -> [String] {
        var problems: [String] = []
        if accessToken.isEmpty { problems.append("access_token is empty") }
        if accessToken.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value == 0x7F }) {
            problems.append("access_token contains whitespace or control characters")
        }
        if expiresIn <= 0 { problems.append("expires_in must be a positive number of seconds") }
        return problems
    }

    public var description: String { "AcquireTokenOutput(access_token: <redacted>, expires_in: \(expiresIn))" }
    public var debugDescription: String { description }
}

// MARK: - classify_response

/// Input of `classify_response`: a check's answer the host could not classify by itself.
///
/// ```json
/// {"check_id": "impersonation.out-of-scope.denied", "http_status": 500,
///  "response_code": "ErrorImpersonateUserDenied", "fault_code": null, "body_excerpt": "<s:Envelope …"}
/// ```
public struct ClassifyResponseInput: Codable, Sendable, Hashable {
    /// The dotted check id.
    public var checkID: String
    /// The HTTP status.
    public var httpStatus: Int
    /// The EWS `ResponseCode`, if the body had one.
    public var responseCode: String?
    /// The SOAP fault code, if the body was a fault.
    public var faultCode: String?
    /// The start of the body (at most a few KB).
    public var bodyExcerpt: String

    enum CodingKeys: String, CodingKey {
        case checkID = "check_id"
        case httpStatus = "http_status"
        case responseCode = "response_code"
        case faultCode = "fault_code"
        case bodyExcerpt = "body_excerpt"
    }

    /// Creates the input.
    public init(checkID: String, httpStatus: Int, responseCode: String? = nil, faultCode: String? = nil, bodyExcerpt: String) {
        self.checkID = checkID
        self.httpStatus = httpStatus
        self.responseCode = responseCode
        self.faultCode = faultCode
        self.bodyExcerpt = bodyExcerpt
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeEveryKey([.checkID: checkID, .httpStatus: httpStatus, .responseCode: responseCode, .faultCode: faultCode,
                              .bodyExcerpt: bodyExcerpt])
    }
}

/// Output of `classify_response`. Returning NULL instead means "classify as usual".
///
/// ```json
/// {"outcome": "expected_failure", "message": "the hoster answers ErrorAccessDenied instead of ErrorImpersonateUserDenied"}
/// ```
public struct ClassifyResponseOutput: Codable, Sendable, Hashable {
    /// The outcomes a hook may choose (`unexpected_pass` is the host's own verdict, never a plugin's).
    public enum Outcome: String, Codable, Sendable, Hashable, CaseIterable {
        /// The answer conforms.
        case passed
        /// The answer does not conform.
        case failed
        /// A known deviation of this hoster.
        case expectedFailure = "expected_failure"
        /// The check does not apply.
        case skipped
        /// The answer cannot be judged.
        case errored
    }

    /// The outcome.
    public var outcome: Outcome
    /// One sentence for the report.
    public var message: String

    enum CodingKeys: String, CodingKey { case outcome, message }

    /// Creates the output.
    public init(outcome: Outcome, message: String) {
        self.outcome = outcome
        self.message = message
    }

    /// What the host refuses: an empty message.
    public func validationProblems() -> [String] {
        message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? ["message is empty"] : []
    }
}

private func isHeaderName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.count <= 256 && name.unicodeScalars.allSatisfy { s in
        // RFC 9110 token characters.
        (s.value >= 0x30 && s.value <= 0x39) || (s.value >= 0x41 && s.value <= 0x5A) || (s.value >= 0x61 && s.value <= 0x7A)
            || "!#$%&'*+-.^_`|~".unicodeScalars.contains(s)
    }
}
