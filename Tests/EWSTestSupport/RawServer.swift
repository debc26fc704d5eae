import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bare TCP server on loopback for misbehaviour the simulator does not model: it answers each
/// connection with whatever `reply` returns (nil: accept and stay silent). It counts the
/// connections it accepted and keeps the requests it read, so a test can prove nothing was sent.
package final class RawServer: @unchecked Sendable {
    /// The port it listens on.
    package let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var stopped = false
    private var clients: [Int32] = []
    private var seen: [String] = []
    private var acceptedCount = 0
    private let exited = DispatchSemaphore(value: 0)

    /// Listens on 127.0.0.1 (or ::1 with `ipv6`) on a port the system picks.
    package init(ipv6: Bool = false, reply: @escaping @Sendable (String) -> String?) throws {
        let fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        let bound: Int32
        if ipv6 {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_addr = in6addr_loopback
            addr.sin6_port = 0
            bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_addr.s_addr = inet_addr("127.0.0.1")
            addr.sin_port = 0
            bound = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            close(fd)
            throw POSIXError(.EADDRINUSE)
        }
        var storage = sockaddr_storage()
        var len = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        port = withUnsafePointer(to: &storage) { pointer -> Int in
            if ipv6 {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
        self.fd = fd
        let listener = fd
        Thread.detachNewThread { [self] in
            defer { exited.signal() }
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                let stop = lock.withLock { () -> Bool in
                    if stopped { return true }
                    clients.append(client)
                    acceptedCount += 1
                    return false
                }
                if stop {
                    close(client)
                    return
                }
                var buffer = [UInt8](repeating: 0, count: 65536)
                let n = read(client, &buffer, buffer.count)
                let request = n > 0 ? String(decoding: buffer.prefix(n), as: UTF8.self) : ""
                lock.withLock { seen.append(request) }
                if let answer = reply(request) {
                    let bytes = Array(answer.utf8)
                    var sent = 0
                    while sent < bytes.count {
                        let w = bytes[sent...].withUnsafeBufferPointer { write(client, $0.baseAddress, $0.count) }
                        if w <= 0 { break }
                        sent += w
                    }
                    // Forget it before closing: a second close in stop() could hit a reused fd
                    // belonging to someone else's connection.
                    lock.withLock { clients.removeAll { $0 == client } }
                    close(client)
                }
            }
        }
    }

    /// Connections accepted so far.
    package var connections: Int { lock.withLock { acceptedCount } }

    /// The first bytes of each request read so far.
    package var requests: [String] { lock.withLock { seen } }

    /// Stops listening and closes every connection.
    package func stop() {
        let first = lock.withLock { () -> Bool in
            guard !stopped else { return false }
            stopped = true
            for c in clients { shutdown(c, Int32(SHUT_RDWR)) }
            return true
        }
        guard first else { return }
        // Wake the accept loop and wait for it to end before the descriptor number can be reused
        // by another socket (else the old loop would accept someone else's connections).
        shutdown(fd, Int32(SHUT_RDWR))
        exited.wait()
        close(fd)
        lock.withLock {
            for c in clients { close(c) }
            clients.removeAll()
        }
    }

    /// An HTTP/1.1 answer with `Connection: close` and a correct Content-Length.
    package static func http(_ status: String, headers: [String] = [], body: String = "") -> String {
        var lines = ["HTTP/1.1 \(status)", "Content-Length: \(body.utf8.count)", "Connection: close"] + headers
        lines.append("")
        return lines.joined(separator: "\r\n") + "\r\n" + body
    }
}
