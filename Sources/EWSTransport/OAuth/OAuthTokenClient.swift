import Foundation

/// Gets access tokens with the OAuth 2.0 client credentials grant over an ``HTTPTransport`` and
/// keeps one until shortly before it expires.
///
/// The form carries the client secret, so the request is marked sensitive (its trace shows no
/// body); the token in the answer is removed from the evidence before anything can record it.
/// Give it a transport without credentials: the client authenticates in the form body
/// (`client_secret_post`), which every Microsoft identity platform endpoint accepts.
package actor OAuthTokenClient {
    /// The settings it asks with.
    package let credentials: OAuthClientCredentials
    /// A cached token is renewed this long before it expires (5 minutes by default).
    package let refreshMargin: TimeInterval
    private let transport: HTTPTransport
    private let now: @Sendable () -> Date
    private var cached: AccessToken?
    private var pending: Task<AccessToken, any Error>?

    /// The largest token response read (Entra's are under 4 KB).
    static let maxResponseBytes = 256 * 1024

    /// Creates a client; `now` is the clock (tests move it).
    package init(transport: HTTPTransport, credentials: OAuthClientCredentials, refreshMargin: TimeInterval = 300,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.transport = transport
        self.credentials = credentials
        self.refreshMargin = refreshMargin
        self.now = now
    }

    /// A token valid for at least ``refreshMargin``: the cached one, or a new one. Callers that
    /// ask at the same time share one request.
    package func token() async throws(OAuthError) -> AccessToken {
        if let cached, cached.expiresAt.timeIntervalSince(now()) > refreshMargin { return cached }
        let task: Task<AccessToken, any Error>
        if let pending {
            task = pending
        } else {
            let transport = transport, credentials = credentials, now = now
            task = Task { try await Self.request(transport: transport, credentials: credentials, now: now) }
            pending = task
        }
        defer { if pending == task { pending = nil } }
        do {
            let token = try await task.value
            cached = token
            return token
        } catch let error as OAuthError {
            throw error
        } catch {
            throw .transportFailed("token request to \(credentials.tokenEndpoint) failed: \(error)")
        }
    }

    /// Forgets the cached token (a resource refused it).
    package func invalidate() {
        cached = nil
    }

    /// Sends one token request, without the cache.
    static func request(transport: HTTPTransport, credentials c: OAuthClientCredentials,
                        now: @Sendable () -> Date) async throws(OAuthError) -> AccessToken {
        var c = c
        let body: String
        if let certificate = c.clientCertificate {
            // A fresh assertion per request (its jti is single-use); scrubbed like a secret.
            let assertion: Secret
            do {
                assertion = try certificate.assertion(clientID: c.clientID, tokenEndpoint: c.tokenEndpoint, now: now())
            } catch {
                throw .invalidResponse("could not sign a client assertion with the certificate \(certificate.thumbprintHex): \(error.message)")
            }
            c.clientSecret = assertion
            body = assertion.withUnsafeValue { value in
                formEncode([("grant_type", "client_credentials"), ("client_id", c.clientID), ("scope", c.scope),
                            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
                            ("client_assertion", value)])
            }
        } else {
            body = c.clientSecret.withUnsafeValue { secret in
                formEncode([("grant_type", "client_credentials"), ("client_id", c.clientID),
                            ("client_secret", secret), ("scope", c.scope)])
            }
        }
        let request = HTTPRequest(method: "POST", url: c.tokenEndpoint,
                                  headers: [HTTPHeader("Content-Type", "application/x-www-form-urlencoded"),
                                            HTTPHeader("Accept", "application/json")],
                                  body: Array(body.utf8), bodyIsSensitive: true)
        let sentAt = now()
        let response: HTTPResponse
        do {
            response = try await transport.send(request, sendCredentials: false)
        } catch let error as TransportError {
            var e = OAuthError.transportFailed("no answer from the token endpoint \(c.tokenEndpoint): \(error)")
            e.exchange = error.exchange.map { scrub($0, secret: c.clientSecret, token: nil) }
            throw e
        } catch {
            throw .transportFailed("no answer from the token endpoint \(c.tokenEndpoint): \(error)")
        }
        let json = response.body.count <= maxResponseBytes
            ? (try? JSONSerialization.jsonObject(with: Data(response.body))) as? [String: Any] : nil

        guard response.status == 200 else {
            throw refusal(response, json: json, credentials: c)
        }
        guard let json, let token = json["access_token"] as? String, !token.isEmpty else {
            var e = OAuthError.invalidResponse("the token endpoint answered HTTP 200 without an access_token in a JSON object")
            e.httpStatus = 200
            e.exchange = scrub(response.exchange, secret: c.clientSecret, token: nil, replaceBody: true)
            throw e
        }
        let type = json["token_type"] as? String ?? ""
        let expiresIn = (json["expires_in"] as? NSNumber)?.intValue ?? (json["expires_in"] as? String).flatMap(Int.init)
        let exchange = scrub(response.exchange, secret: c.clientSecret, token: token, replaceBody: true)
        guard type.caseInsensitiveCompare("bearer") == .orderedSame else {
            var e = OAuthError.invalidResponse("the token endpoint issued a token of type '\(type)', not Bearer")
            e.httpStatus = 200
            e.exchange = exchange
            throw e
        }
        guard let expiresIn, expiresIn > 0 else {
            var e = OAuthError.invalidResponse("the token response has no positive expires_in")
            e.httpStatus = 200
            e.exchange = exchange
            throw e
        }
        return AccessToken(value: Secret(token), tokenType: type, expiresIn: expiresIn, obtainedAt: sentAt,
                           claims: AccessTokenClaims(jwt: token), exchange: exchange)
    }

    /// The specific error for a non-200 answer: the OAuth error JSON where there is one.
    private static func refusal(_ response: HTTPResponse, json: [String: Any]?, credentials c: OAuthClientCredentials) -> OAuthError {
        let exchange = scrub(response.exchange, secret: c.clientSecret, token: nil)
        guard let json, let code = json["error"] as? String else {
            var e = OAuthError.invalidResponse("the token endpoint answered HTTP \(response.status) without an OAuth error object")
            e.httpStatus = response.status
            e.exchange = exchange
            return e
        }
        let description = (json["error_description"] as? String).map { text in
            // Entra appends "\r\nTrace ID: …\r\nCorrelation ID: …\r\nTimestamp: …"; those have their own fields.
            String(text.split(whereSeparator: \.isNewline).first ?? Substring(text)).trimmingCharacters(in: .whitespaces)
        }
        let codes = (json["error_codes"] as? [Any])?.compactMap { ($0 as? NSNumber)?.intValue } ?? []
        let traceID = json["trace_id"] as? String
        let correlationID = json["correlation_id"] as? String
        var message = "the token endpoint refused the request: HTTP \(response.status) \(code)"
        if let description, !description.isEmpty { message += ": \(description)" }
        if let traceID { message += " (trace id \(traceID)\(correlationID.map { ", correlation id \($0)" } ?? ""))" }
        var e = OAuthError.refused(c.clientSecret.withUnsafeValue { message.replacingOccurrences(of: $0, with: Redaction.marker) })
        e.httpStatus = response.status
        e.error = code
        e.errorCodes = codes
        e.errorDescription = description
        e.traceID = traceID
        e.correlationID = correlationID
        e.exchange = exchange
        return e
    }

    /// The evidence with every trace of the secret and the token removed. A successful answer's
    /// body is replaced by its shape, since it is mostly the token.
    static func scrub(_ exchange: HTTPExchange, secret: Secret, token: String?, replaceBody: Bool = false) -> HTTPExchange {
        var x = exchange
        func clean(_ text: String) -> String {
            var t = text
            secret.withUnsafeValue { if !$0.isEmpty { t = t.replacingOccurrences(of: $0, with: Redaction.marker) } }
            if let token, !token.isEmpty { t = t.replacingOccurrences(of: token, with: Redaction.marker) }
            return t
        }
        if replaceBody, let data = x.responseBody.data(using: .utf8),
           var object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] {
            for key in ["access_token", "refresh_token", "id_token"] where object[key] != nil { object[key] = Redaction.marker }
            if let json = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) {
                x.responseBody = String(decoding: json, as: UTF8.self)
            }
        } else if replaceBody {
            x.responseBody = "[body not recorded: it may hold a token]"
        }
        x.responseBody = clean(x.responseBody)
        x.requestBody = clean(x.requestBody)
        x.url = clean(x.url)
        x.error = x.error.map(clean)
        return x
    }

    /// `application/x-www-form-urlencoded` (RFC 6749 appendix B): everything but the unreserved
    /// characters percent-encoded.
    static func formEncode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(percentEncode($0.0))=\(percentEncode($0.1))" }.joined(separator: "&")
    }

    private static func percentEncode(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.append(Character(UnicodeScalar(byte)))
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }
}
