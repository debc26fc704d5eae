import EWSTestSupport
import Foundation

/// A plain-HTTP EWS endpoint on loopback for the misbehaviour the simulator does not model: each
/// request (read whole: headers and Content-Length body) is answered with what `reply` returns,
/// then the connection is closed. Connections are served concurrently. A ``RawServer`` reading
/// whole requests, with the requests and answers as values.
final class ScriptedEWSServer: Sendable {
    struct Request: Sendable {
        var method: String
        var path: String
        var headers: [String: String]
        var body: String
    }
    struct Response: Sendable {
        var status: Int
        var contentType: String?
        var headers: [String: String] = [:]
        var body: String
    }

    private let server: RawServer

    /// The port it listens on.
    var port: Int { server.port }

    /// Every request answered so far.
    var requests: [Request] { server.requests.map(Self.request) }

    /// `http://127.0.0.1:<port>/EWS/Exchange.asmx`.
    var ewsURL: String { "http://127.0.0.1:\(port)/EWS/Exchange.asmx" }

    init(reply: @escaping @Sendable (Request) -> Response) throws {
        server = try RawServer(wholeRequests: true) { text in
            let response = reply(Self.request(text))
            let headers = response.contentType.map { ["Content-Type: \($0)"] } ?? []
            return RawServer.http("\(response.status) X", headers: headers + response.headers.map { "\($0.key): \($0.value)" }, body: response.body)
        }
    }

    /// The request in `text`, as ``RawServer`` read it: the head, an empty line, the body.
    private static func request(_ text: String) -> Request {
        let parts = text.components(separatedBy: "\r\n\r\n")
        let lines = (parts.first ?? "").split(separator: "\r\n").map(String.init)
        let first = lines.first?.split(separator: " ").map(String.init) ?? []
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Request(method: first.first ?? "", path: first.count > 1 ? first[1] : "", headers: headers,
                       body: parts.dropFirst().joined(separator: "\r\n\r\n"))
    }

    /// Stops listening and closes every connection.
    func stop() { server.stop() }
}
