import Dispatch
import EWSExecutor
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A TCP listener on loopback, on a port the system picks (never a fixed or guessed one), for the
/// tests' hand-made servers (``RawServer``, ``CallbackListener``, the scripted EWS server). Its
/// accept loop runs on a dedicated thread of the blocking executor; every accepted connection is
/// tracked, so ``stop()`` closes them all and returns only when the loop has ended.
package final class LoopbackListener: Sendable {
    /// One accepted connection. Closing it is optional: ``LoopbackListener/stop()`` closes the rest.
    package struct Connection: Sendable {
        fileprivate let fd: Int32
        fileprivate let listener: LoopbackListener

        /// What one `read` returns (at most `limit` bytes; empty at the end of the stream).
        package func readOnce(limit: Int = 65536) -> [UInt8] {
            var buffer = [UInt8](repeating: 0, count: limit)
            let n = read(fd, &buffer, buffer.count)
            return n > 0 ? Array(buffer.prefix(n)) : []
        }

        /// One HTTP/1.1 request: the request line and header fields, then as many body bytes as
        /// Content-Length says. Nil when the peer closes first or sends nothing for `timeoutSeconds`.
        package func readRequest(timeoutSeconds: Int = 30) -> (head: String, body: String)? {
            var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var data: [UInt8] = []
            var headEnd: Int?
            var length = 0
            while true {
                if headEnd == nil, let end = Self.headEnd(data) {
                    headEnd = end
                    let head = String(decoding: data[..<end], as: UTF8.self)
                    for line in head.split(separator: "\r\n") where line.lowercased().hasPrefix("content-length:") {
                        length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) ?? 0
                    }
                }
                if let headEnd, data.count >= headEnd + 4 + length {
                    return (String(decoding: data[..<headEnd], as: UTF8.self),
                            String(decoding: data[(headEnd + 4)..<(headEnd + 4 + length)], as: UTF8.self))
                }
                let chunk = readOnce()
                if chunk.isEmpty { return nil }
                data += chunk
            }
        }

        /// Writes all of `text` (stops early only if the peer is gone).
        package func write(_ text: String) {
            let bytes = Array(text.utf8)
            var sent = 0
            while sent < bytes.count {
                let w = bytes[sent...].withUnsafeBufferPointer { Glibc.write(fd, $0.baseAddress, $0.count) }
                if w <= 0 { break }
                sent += w
            }
        }

        /// Closes the connection, unless ``LoopbackListener/stop()`` already did (it is forgotten
        /// first, so neither can close a reused descriptor that belongs to someone else).
        package func close() {
            // Only the side that takes it out of the set closes it: never twice.
            if listener.state.locked({ $0.clients.remove(fd) != nil }) { Glibc.close(fd) }
        }

        private static func headEnd(_ data: [UInt8]) -> Int? {
            guard data.count >= 4 else { return nil }
            for i in 0...(data.count - 4) where data[i] == 13 && data[i + 1] == 10 && data[i + 2] == 13 && data[i + 3] == 10 { return i }
            return nil
        }
    }

    private struct State {
        var stopped = false
        var clients: Set<Int32> = []
        var accepted = 0
    }

    /// The port it listens on.
    package let port: Int
    private let fd: Int32
    private let state = Mutex(State())
    private let exited = DispatchSemaphore(value: 0)

    /// Listens on 127.0.0.1 (or ::1 with `ipv6`). `serve` gets each accepted connection: on the
    /// accept thread, one after the other, or with `concurrently` on a thread of the blocking
    /// executor each.
    /// - Throws: a POSIX error when no socket can be made or bound.
    package init(ipv6: Bool = false, concurrently: Bool = false, serve: @escaping @Sendable (Connection) -> Void) throws {
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var storage = sockaddr_storage()
        let size: Int
        if ipv6 {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_addr = in6addr_loopback
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: addr, as: sockaddr_in6.self) }
            size = MemoryLayout<sockaddr_in6>.size
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            withUnsafeMutableBytes(of: &storage) { $0.storeBytes(of: addr, as: sockaddr_in.self) }
            size = MemoryLayout<sockaddr_in>.size
        }
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            Glibc.close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        port = withUnsafeBytes(of: &storage) { raw in
            ipv6 ? Int(UInt16(bigEndian: raw.load(as: sockaddr_in6.self).sin6_port))
                 : Int(UInt16(bigEndian: raw.load(as: sockaddr_in.self).sin_port))
        }
        self.fd = fd
        BlockingExecutor.shared.dedicatedThread("test-listener") { [self] in
            defer { exited.signal() }
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                let stop = state.locked { s -> Bool in
                    if s.stopped { return true }
                    s.clients.insert(client)
                    s.accepted += 1
                    return false
                }
                if stop {
                    Glibc.close(client)
                    return
                }
                let connection = Connection(fd: client, listener: self)
                if concurrently {
                    BlockingExecutor.shared.submit("test-connection") { serve(connection) }
                } else {
                    serve(connection)
                }
            }
        }
    }

    /// Connections accepted so far.
    package var accepted: Int { state.locked { $0.accepted } }

    /// Stops listening, ends every open connection and waits for the accept loop to end (so the
    /// descriptor number cannot be reused under it), then closes what is left. Idempotent.
    package func stop() {
        let first = state.locked { s -> Bool in
            guard !s.stopped else { return false }
            s.stopped = true
            for c in s.clients { shutdown(c, Int32(SHUT_RDWR)) }
            return true
        }
        guard first else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        exited.wait()
        Glibc.close(fd)
        let left = state.locked { s -> Set<Int32> in
            defer { s.clients.removeAll() }
            return s.clients
        }
        for c in left { Glibc.close(c) }
    }
}
