import EWSExecutor
import Foundation

/// A bare TCP server on loopback for misbehaviour the simulator does not model: it answers each
/// connection with whatever `reply` returns (nil: accept and stay silent). It counts the
/// connections it accepted and keeps the requests it read, so a test can prove nothing was sent.
/// The one hand-made HTTP server of the tests: the scripted EWS server of the conformance tests is
/// this one reading whole requests.
package final class RawServer: Sendable {
    private let listener: LoopbackListener
    private let seen = Locked<[String]>([])

    /// The port it listens on.
    package var port: Int { listener.port }

    /// Listens on 127.0.0.1 (or ::1 with `ipv6`) on a port the system picks. Each connection's
    /// first read is the request; with `wholeRequests`, its head and Content-Length body are read
    /// in full instead (a connection that sends no complete request is closed unanswered) and
    /// connections are served concurrently.
    package init(ipv6: Bool = false, wholeRequests: Bool = false, reply: @escaping @Sendable (String) -> String?) throws {
        let seen = self.seen
        listener = try LoopbackListener(ipv6: ipv6, concurrently: wholeRequests) { connection in
            let request: String
            if wholeRequests {
                guard let (head, body) = connection.readRequest() else { return connection.close() }
                request = head + "\r\n\r\n" + body
            } else {
                request = String(decoding: connection.readOnce(), as: UTF8.self)
            }
            seen.locked { $0.append(request) }
            if let answer = reply(request) {
                connection.write(answer)
                connection.close()
            }
        }
    }

    /// Connections accepted so far.
    package var connections: Int { listener.accepted }

    /// The first bytes of each request read so far.
    package var requests: [String] { seen.value }

    /// Stops listening and closes every connection.
    package func stop() { listener.stop() }

    /// An HTTP/1.1 answer with `Connection: close` and a correct Content-Length.
    package static func http(_ status: String, headers: [String] = [], body: String = "") -> String {
        var lines = ["HTTP/1.1 \(status)", "Content-Length: \(body.utf8.count)", "Connection: close"] + headers
        lines.append("")
        return lines.joined(separator: "\r\n") + "\r\n" + body
    }
}
