import EWSTestSupport
import Foundation

/// A plain-HTTP server on loopback for the misbehaviour the simulator does not model: each
/// request (read whole: headers and Content-Length body) is answered with what `reply` returns,
/// then the connection is closed. Connections are served concurrently.
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

    private let listener: LoopbackListener
    private let seen = Locked<[Request]>([])

    /// The port it listens on.
    var port: Int { listener.port }

    /// Every request answered so far.
    var requests: [Request] { seen.value }

    /// `http://127.0.0.1:<port>/EWS/Exchange.asmx`.
    var ewsURL: String { "http://127.0.0.1:\(port)/EWS/Exchange.asmx" }

    init(reply: @escaping @Sendable (Request) -> Response) throws {
        let seen = self.seen
        listener = try LoopbackListener(concurrently: true) { connection in
            defer { connection.close() }
            guard let (head, body) = connection.readRequest() else { return }
            let request = Self.request(head: head, body: body)
            seen.withLock { $0.append(request) }
            let response = reply(request)
            var text = "HTTP/1.1 \(response.status) X\r\nContent-Length: \(response.body.utf8.count)\r\nConnection: close\r\n"
            if let type = response.contentType { text += "Content-Type: \(type)\r\n" }
            for (name, value) in response.headers { text += "\(name): \(value)\r\n" }
            connection.write(text + "\r\n" + response.body)
        }
    }

    private static func request(head: String, body: String) -> Request {
        let lines = head.split(separator: "\r\n").map(String.init)
        let first = lines.first?.split(separator: " ").map(String.init) ?? []
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return Request(method: first.first ?? "", path: first.count > 1 ? first[1] : "", headers: headers, body: body)
    }

    /// Stops listening and closes every connection.
    func stop() { listener.stop() }
}
