import Foundation

/// An HTTP request for ``HTTPTransport``.
package struct HTTPRequest: Sendable {
    /// `GET`, `POST`, `HEAD` or another method.
    package var method: String
    /// An absolute `http` or `https` URL.
    package var url: String
    /// Extra header fields; the transport adds Host, Content-Length and Authorization itself.
    package var headers: [HTTPHeader]
    /// The body, sent as is.
    package var body: [UInt8]
    /// Whether the body may hold a secret (a token request); its trace then shows no body.
    package var bodyIsSensitive: Bool

    /// Creates a request.
    package init(method: String = "GET", url: String, headers: [HTTPHeader] = [], body: [UInt8] = [],
                bodyIsSensitive: Bool = false) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.bodyIsSensitive = bodyIsSensitive
    }
}

/// The final response to an ``HTTPRequest`` (redirects are never followed).
package struct HTTPResponse: Sendable {
    /// The status code of the last response leg (after any authentication round trips).
    package var status: Int
    /// The header fields of the last leg.
    package var headers: [HTTPHeader]
    /// The body of the last leg.
    package var body: [UInt8]
    /// The evidence record of the whole exchange, secrets already removed.
    package var exchange: HTTPExchange

    /// Creates a response.
    package init(status: Int, headers: [HTTPHeader], body: [UInt8], exchange: HTTPExchange) {
        self.status = status
        self.headers = headers
        self.body = body
        self.exchange = exchange
    }

    /// The body decoded as UTF-8 (invalid bytes replaced).
    package var text: String { String(decoding: body, as: UTF8.self) }
}
