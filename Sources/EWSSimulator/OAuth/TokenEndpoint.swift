import EWSTransport
import Foundation

/// The Microsoft identity platform v2 token endpoint of the simulated tenant:
/// `POST /{tenant}/oauth2/v2.0/token` with the client credentials grant, answering with Entra's
/// JSON (success and AADSTS errors), status codes and headers.
struct TokenEndpoint: Sendable {
    let entra: EntraTenant

    /// Whether `path` is a token endpoint path; gives the tenant segment.
    static func tenantSegment(of path: String) -> String? {
        let p = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        let parts = p.split(separator: "/").map(String.init)
        guard parts.count == 4, parts[1].lowercased() == "oauth2", parts[2].lowercased() == "v2.0",
              parts[3].lowercased() == "token" else { return nil }
        return parts[0].removingPercentEncoding ?? parts[0]
    }

    func handle(method: String, tenantName: String, headers: [(String, String)], body: [UInt8], now: Date = Date()) -> SimulatedResponse {
        func header(_ name: String) -> String? { headers.first { $0.0.caseInsensitiveCompare(name) == .orderedSame }?.1 }
        // Entra echoes a client-request-id as the correlation id.
        let correlation = header("client-request-id").flatMap { UUID(uuidString: $0) }?.uuidString.lowercased()
            ?? UUID().uuidString.lowercased()
        let trace = UUID().uuidString.lowercased()
        func fail(_ status: Int, _ error: String, _ code: Int, _ text: String) -> SimulatedResponse {
            Self.error(status: status, error: error, code: code, text: text, trace: trace, correlation: correlation, now: now)
        }
        guard method.uppercased() == "POST" else {
            return fail(400, "invalid_request", 900561, "The endpoint only accepts POST requests. Received a \(method.uppercased()) request.")
        }
        let form = Self.parseForm(body)
        var clientID = form["client_id"]
        var secret = form["client_secret"]
        // client_secret_basic (RFC 6749 §2.3.1) is accepted too.
        if let auth = header("Authorization"), auth.lowercased().hasPrefix("basic "),
           let data = Data(base64Encoded: String(auth.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
           let pair = String(data: data, encoding: .utf8), let colon = pair.firstIndex(of: ":") {
            clientID = clientID ?? String(pair[..<colon]).removingPercentEncoding
            secret = secret ?? String(pair[pair.index(after: colon)...]).removingPercentEncoding
        }
        guard let grant = form["grant_type"], !grant.isEmpty else {
            return fail(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.")
        }
        guard grant == "client_credentials" else {
            return fail(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '\(grant)'.")
        }
        guard let clientID, !clientID.isEmpty else {
            return fail(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.")
        }
        let assertion = form["client_assertion"]
        if let type = form["client_assertion_type"], type != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" {
            // Inferred: the code Entra gives an unknown assertion type was not found in a capture.
            return fail(400, "invalid_request", 7000216, "'client_assertion_type' must be 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer' when 'client_assertion' is sent.")
        }
        guard (secret.map { !$0.isEmpty } ?? false) || (assertion.map { !$0.isEmpty } ?? false) else {
            return fail(401, "invalid_client", 7000216, "'client_assertion', 'client_secret' or 'request' is required for the 'client_credentials' grant type.")
        }
        guard entra.isNamed(tenantName) else {
            return fail(400, "invalid_request", 90002, "Tenant '\(tenantName)' not found. This may happen if there are no active subscriptions for the tenant. Check to make sure you have the correct tenant ID. Check with your subscription administrator.")
        }
        guard let app = entra.application(clientID: clientID) else {
            return fail(400, "unauthorized_client", 700016, "Application with identifier '\(clientID)' was not found in the directory '\(entra.displayName)'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.")
        }
        if let assertion, !assertion.isEmpty, secret?.isEmpty ?? true {
            if let refusal = ClientAssertionValidator(entra: entra)
                .validate(assertion, clientID: app.clientID, tenantName: tenantName, host: header("Host"), now: now) {
                return fail(refusal.status, refusal.error, refusal.code, refusal.text)
            }
        } else if !entra.secretMatches(clientID: app.clientID, secret: secret ?? "") {
            return fail(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(app.clientID)'.")
        }
        guard let scope = form["scope"], !scope.isEmpty else {
            return fail(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.")
        }
        let scopes = scope.split(separator: " ").map(String.init)
        guard scopes.count == 1, let only = scopes.first else {
            return fail(400, "invalid_scope", 70011, "The provided value for the input parameter 'scope' is not valid. The scope \(scope) is not valid.")
        }
        guard only.hasSuffix("/.default") else {
            return fail(400, "invalid_scope", 1002012, "The provided value for scope \(only) is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
        }
        let resource = String(only.dropLast("/.default".count))
        guard EntraTenant.knownResources.contains(resource) else {
            return fail(400, "invalid_resource", 500011, "The resource principal named \(resource) was not found in the tenant named \(entra.displayName). This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.")
        }
        var request = AccessTokenRequest(clientID: app.clientID)
        request.audience = resource
        if resource == "https://graph.microsoft.com" { request.roles = [] }
        let token = entra.mintAccessToken(request)
        entra.remember(issued: token)
        // Entra's key order; the token is base64url, so it needs no escaping.
        let body = #"{"token_type":"Bearer","expires_in":\#(entra.tokenLifetime),"ext_expires_in":\#(entra.tokenLifetime),"access_token":"\#(token)"}"#
        return SimulatedResponse(status: 200, headers: Self.headers(trace: trace), body: Array(body.utf8))
    }

    /// Entra's error object (`error`, `error_description` with its trailer, `error_codes`,
    /// `timestamp`, `trace_id`, `correlation_id`, `error_uri`).
    static func error(status: Int, error: String, code: Int, text: String, trace: String, correlation: String, now: Date) -> SimulatedResponse {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss'Z'"
        let stamp = f.string(from: now)
        let json: [String: Any] = [
            "error": error,
            "error_description": "AADSTS\(code): \(text)\r\nTrace ID: \(trace)\r\nCorrelation ID: \(correlation)\r\nTimestamp: \(stamp)",
            "error_codes": [code], "timestamp": stamp, "trace_id": trace, "correlation_id": correlation,
            "error_uri": "https://login.microsoftonline.com/error?code=\(code)",
        ]
        // Entra writes the keys in this order; JSONSerialization would sort or shuffle them.
        let order = ["error", "error_description", "error_codes", "timestamp", "trace_id", "correlation_id", "error_uri"]
        let body = "{" + order.compactMap { key -> String? in
            guard let value = json[key], let v = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed, .withoutEscapingSlashes]) else { return nil }
            return "\"\(key)\":" + String(decoding: v, as: UTF8.self)
        }.joined(separator: ",") + "}"
        return SimulatedResponse(status: status, headers: headers(trace: trace), body: Array(body.utf8))
    }

    /// The headers Entra's token endpoint sends (no caching, JSON, the request id).
    static func headers(trace: String) -> [(String, String)] {
        [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache"),
         ("Content-Type", "application/json; charset=utf-8"), ("Expires", "-1"),
         ("Strict-Transport-Security", "max-age=31536000; includeSubDomains"), ("X-Content-Type-Options", "nosniff"),
         ("P3P", "CP=\"DSP CUR OTPi IND OTRi ONL FIN\""), ("x-ms-request-id", trace),
         ("x-ms-ests-server", "2.1.19000.0 - ewscheck simulator")]
    }

    /// `application/x-www-form-urlencoded` fields (`+` is a space); the first of repeated keys wins.
    static func parseForm(_ body: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body.prefix(64 * 1024), as: UTF8.self).split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String { s.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(s) }
            let key = decode(kv[0])
            if fields[key] == nil { fields[key] = kv.count > 1 ? decode(kv[1]) : "" }
        }
        return fields
    }
}
