import Foundation

/// An HTTP request for ``HTTPTransport``.
public struct HTTPRequest: Sendable {
    /// `GET`, `POST`, `HEAD` or another method.
    public var method: String
    /// An absolute `http` or `https` URL.
    public var url: String
    /// Extra header fields; the transport adds Host, Content-Length and Authorization itself.
    public var headers: [HTTPHeader]
    /// The body, sent as is.
    public var body: [UInt8]
    /// Whether the body may hold a secret (a token request); its trace then shows no body.
    public var bodyIsSensitive: Bool

    /// Creates a request.
    public init(method: String = "GET", url: String, headers: [HTTPHeader] = [], body: [UInt8] = [],
                bodyIsSensitive: Bool = false) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.bodyIsSensitive = bodyIsSensitive
    }
}

/// The final response to an ``HTTPRequest`` (redirects are never followed).
public struct HTTPResponse: Sendable {
    /// The status code of the last response leg (after any authentication round trips).
    public var status: Int
    /// The header fields of the last leg.
    public var headers: [HTTPHeader]
    /// The body of the last leg.
    public var body: [UInt8]
    /// The evidence record of the whole exchange, secrets already removed.
    public var exchange: HTTPExchange

    /// Creates a response.
    public init(status: Int, headers: [HTTPHeader], body: [UInt8], exchange: HTTPExchange) {
        self.status = status
        self.headers = headers
        self.body = body
        self.exchange = exchange
    }

    /// The body decoded as UTF-8 (invalid bytes replaced).
    public var text: String { String(decoding: body, as: UTF8.self) }
}
