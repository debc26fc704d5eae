import Foundation

/// The evidence of one request: what was sent and every response leg that came back
/// (an NTLM handshake shows as two or three legs), with secrets removed at capture time.
package struct HTTPExchange: Sendable, Codable, Hashable {
    /// One request/response round trip inside an exchange.
    package struct Leg: Sendable, Codable, Hashable {
        /// The request header block as sent, redacted (`Authorization: NTLM [redacted]`).
        package var requestHeaders: [HTTPHeader]
        /// The status code received, or nil where none arrived.
        package var status: Int?
        /// The response header fields, redacted.
        package var responseHeaders: [HTTPHeader]

        /// Creates a leg record.
        package init(requestHeaders: [HTTPHeader], status: Int?, responseHeaders: [HTTPHeader]) {
            self.requestHeaders = requestHeaders
            self.status = status
            self.responseHeaders = responseHeaders
        }
    }

    /// Sequence number within the run.
    package var id: Int
    /// When the request started.
    package var started: Date
    /// The request method.
    package var method: String
    /// The request URL.
    package var url: String
    /// The request body (up to a cap), or a note saying why it is not shown.
    package var requestBody: String
    /// The round trips, in order.
    package var legs: [Leg]
    /// The final body (up to a cap).
    package var responseBody: String
    /// Whole exchange duration in milliseconds.
    package var durationMilliseconds: Double
    /// The address actually connected to.
    package var remoteAddress: String?
    /// New TCP connections the exchange opened (0 means a kept-alive connection was reused).
    package var newConnections: Int
    /// The transport failure, if the exchange did not complete.
    package var error: String?

    /// Creates an evidence record (the transport makes these; tests and report merges may too).
    package init(id: Int, started: Date, method: String, url: String, requestBody: String, legs: [Leg], responseBody: String,
                durationMilliseconds: Double, remoteAddress: String?, newConnections: Int, error: String?) {
        self.id = id
        self.started = started
        self.method = method
        self.url = url
        self.requestBody = requestBody
        self.legs = legs
        self.responseBody = responseBody
        self.durationMilliseconds = durationMilliseconds
        self.remoteAddress = remoteAddress
        self.newConnections = newConnections
        self.error = error
    }
}

/// Removes secrets from header fields and text before they are stored anywhere.
package enum Redaction {
    /// The placeholder written where a secret was.
    package static let marker = "[redacted]"

    /// A header value as it may be recorded.
    package static func headerValue(name: String, value: String) -> String {
        switch name.lowercased() {
        case "authorization", "proxy-authorization":
            // Keep the scheme: it is evidence of which scheme was used, and not secret.
            let scheme = value.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
            return scheme.isEmpty ? marker : "\(scheme) \(marker)"
        case "www-authenticate", "proxy-authenticate":
            // NTLM and Negotiate challenges carry handshake tokens; parameters of Basic/Bearer do not.
            let parts = value.split(separator: " ", maxSplits: 1)
            guard let scheme = parts.first else { return value }
            let lower = scheme.lowercased()
            if (lower == "ntlm" || lower == "negotiate") && parts.count == 2 {
                return "\(scheme) \(marker)"
            }
            return value
        case "cookie":
            return value.split(separator: ";").map { pair -> String in
                let name = pair.split(separator: "=", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
                return "\(name)=\(marker)"
            }.joined(separator: "; ")
        case "set-cookie":
            let name = value.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            return "\(name)=\(marker)"
        default:
            return value
        }
    }

    /// Header fields as they may be recorded.
    package static func headers(_ headers: [HTTPHeader]) -> [HTTPHeader] {
        headers.map { HTTPHeader($0.name, headerValue(name: $0.name, value: $0.value)) }
    }
}
