import EWSExecutor
import Foundation
import Synchronization

/// A tiny HTTP/1.1 listener on 127.0.0.1 (port picked by the system) for callbacks a server makes,
/// such as push notifications: it reads each whole request (head and Content-Length body), keeps
/// it, and answers with what `reply` returns for it (nil: read it and stay silent, so the caller
/// times out). Tests wait for the n-th request with ``requests(atLeast:timeout:)``.
package final class CallbackListener: Sendable {
    /// One request read.
    package struct Request: Sendable {
        /// The request line and header fields, as sent.
        package var head: String
        /// The body.
        package var body: String
    }

    private struct State {
        var seen: [Request] = []
        var waiters: [(count: Int, event: TestEvent)] = []
    }

    private let listener: LoopbackListener
    private let state: Locked<State>

    /// The port it listens on.
    package var port: Int { listener.port }

    /// Listens; `reply` makes the whole HTTP answer to a request (``RawServer/http(_:headers:body:)``).
    package init(reply: @escaping @Sendable (Request) -> String?) throws {
        let state = Locked(State())
        self.state = state
        listener = try LoopbackListener { connection in
            guard let (head, body) = connection.readRequest() else {
                connection.close()
                return
            }
            let request = Request(head: head, body: body)
            let answer = reply(request)
            let ready = state.locked { s -> [TestEvent] in
                s.seen.append(request)
                let count = s.seen.count
                defer { s.waiters.removeAll { $0.count <= count } }
                return s.waiters.filter { $0.count <= count }.map(\.event)
            }
            if let answer {
                connection.write(answer)
                connection.close()
            }
            for event in ready { event.signal() }
        }
    }

    /// The requests read so far.
    package var requests: [Request] { state.locked { $0.seen } }

    /// Waits until at least `count` requests were read (at most `timeout`); returns them.
    package func requests(atLeast count: Int, timeout: Duration = .seconds(30)) async -> [Request] {
        let event = TestEvent()
        let already = state.locked { s -> Bool in
            if s.seen.count >= count { return true }
            s.waiters.append((count, event))
            return false
        }
        if !already { await event.wait(timeout: timeout) }
        return requests
    }

    /// Stops listening, closes every connection and waits for the accept thread to end (on the
    /// blocking executor, not the caller's cooperative thread).
    package func stop() async {
        let listener = self.listener
        await BlockingExecutor.shared.run("test-listener-stop") { listener.stop() }
    }
}
