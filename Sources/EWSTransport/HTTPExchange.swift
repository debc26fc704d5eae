import Foundation

/// The evidence of one request: what was sent and every response leg that came back
/// (an NTLM handshake shows as two or three legs), with secrets removed at capture time.
public struct HTTPExchange: Sendable, Codable, Hashable {
    /// One request/response round trip inside an exchange.
    public struct Leg: Sendable, Codable, Hashable {
        /// The request header block as sent, redacted (`Authorization: NTLM [redacted]`).
        public var requestHeaders: [HTTPHeader]
        /// The status code received, or nil where none arrived.
        public var status: Int?
        /// The response header fields, redacted.
        public var responseHeaders: [HTTPHeader]

        /// Creates a leg record.
        public init(requestHeaders: [HTTPHeader], status: Int?, responseHeaders: [HTTPHeader]) {
            self.requestHeaders = requestHeaders
            self.status = status
            self.responseHeaders = responseHeaders
        }
    }

    /// Sequence number within the run.
    public var id: Int
    /// When the request started.
    public var started: Date
    /// The request method.
    public var method: String
    /// The request URL.
    public var url: String
    /// The request body (up to a cap), or a note saying why it is not shown.
    public var requestBody: String
    /// The round trips, in order.
    public var legs: [Leg]
    /// The final body (up to a cap).
    public var responseBody: String
    /// Whole exchange duration in milliseconds.
    public var durationMilliseconds: Double
    /// The address actually connected to.
    public var remoteAddress: String?
    /// New TCP connections the exchange opened (0 means a kept-alive connection was reused).
    public var newConnections: Int
    /// The transport failure, if the exchange did not complete.
    public var error: String?

    /// Creates an evidence record (the transport makes these; tests and report merges may too).
    public init(id: Int, started: Date, method: String, url: String, requestBody: String, legs: [Leg], responseBody: String,
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
public enum Redaction {
    /// The placeholder written where a secret was.
    public static let marker = "[redacted]"

    /// A header value as it may be recorded.
    public static func headerValue(name: String, value: String) -> String {
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
    public static func headers(_ headers: [HTTPHeader]) -> [HTTPHeader] {
        headers.map { HTTPHeader($0.name, headerValue(name: $0.name, value: $0.value)) }
    }
}
