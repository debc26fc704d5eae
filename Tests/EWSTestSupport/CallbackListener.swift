import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

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
        var stopped = false
        var clients: [Int32] = []
        var seen: [Request] = []
        var waiters: [(count: Int, event: TestEvent)] = []
    }

    /// The port it listens on.
    package let port: Int
    private let fd: Int32
    private let state = Mutex(State())
    private let exited = TestEvent()

    /// Listens; `reply` makes the whole HTTP answer to a request (``RawServer/http(_:headers:body:)``).
    package init(reply: @escaping @Sendable (Request) -> String?) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var bound4 = sockaddr_in()
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &bound4) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
        port = Int(UInt16(bigEndian: bound4.sin_port))
        self.fd = fd
        Thread.detachNewThread { [self] in
            defer { exited.signal() }
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                let stop = state.withLock { s -> Bool in
                    if s.stopped { return true }
                    s.clients.append(client)
                    return false
                }
                if stop {
                    close(client)
                    return
                }
                guard let request = Self.read(client) else {
                    state.withLock { $0.clients.removeAll { $0 == client } }
                    close(client)
                    continue
                }
                let answer = reply(request)
                let ready = state.withLock { s -> [TestEvent] in
                    s.seen.append(request)
                    let count = s.seen.count
                    defer { s.waiters.removeAll { $0.count <= count } }
                    return s.waiters.filter { $0.count <= count }.map(\.event)
                }
                if let answer {
                    let bytes = Array(answer.utf8)
                    var sent = 0
                    while sent < bytes.count {
                        let w = bytes[sent...].withUnsafeBufferPointer { write(client, $0.baseAddress, $0.count) }
                        if w <= 0 { break }
                        sent += w
                    }
                    state.withLock { $0.clients.removeAll { $0 == client } }
                    close(client)
                }
                for event in ready { event.signal() }
            }
        }
    }

    /// Reads one request: the head, then as many body bytes as Content-Length says.
    private static func read(_ client: Int32) -> Request? {
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headEnd: Int?
        var length = 0
        while true {
            if headEnd == nil, let range = findHeadEnd(data) {
                headEnd = range
                let head = String(decoding: data[..<range], as: UTF8.self)
                for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                    length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                }
            }
            if let headEnd, data.count >= headEnd + 4 + length {
                return Request(head: String(decoding: data[..<headEnd], as: UTF8.self),
                               body: String(decoding: data[(headEnd + 4)..<(headEnd + 4 + length)], as: UTF8.self))
            }
            let n = Glibc.read(client, &buffer, buffer.count)
            if n <= 0 { return nil }
            data += buffer.prefix(n)
        }
    }

    private static func findHeadEnd(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for i in 0...(data.count - 4) where data[i] == 13 && data[i + 1] == 10 && data[i + 2] == 13 && data[i + 3] == 10 { return i }
        return nil
    }

    /// The requests read so far.
    package var requests: [Request] { state.withLock { $0.seen } }

    /// Waits until at least `count` requests were read (at most `timeout`); returns them.
    package func requests(atLeast count: Int, timeout: Duration = .seconds(30)) async -> [Request] {
        let event = TestEvent()
        let already = state.withLock { s -> Bool in
            if s.seen.count >= count { return true }
            s.waiters.append((count, event))
            return false
        }
        if !already { await event.wait(timeout: timeout) }
        return requests
    }

    /// Stops listening, closes every connection and waits for the accept thread to end.
    package func stop() async {
        let first = state.withLock { s -> Bool in
            guard !s.stopped else { return false }
            s.stopped = true
            for c in s.clients { shutdown(c, Int32(SHUT_RDWR)) }
            return true
        }
        guard first else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        await exited.wait()
        close(fd)
        state.withLock { s in
            for c in s.clients { close(c) }
            s.clients.removeAll()
        }
    }
}
