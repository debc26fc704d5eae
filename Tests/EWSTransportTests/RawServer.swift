import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A bare TCP server on loopback for misbehaviour the simulator does not model: it answers each
/// connection with whatever `reply` returns (nil: accept and stay silent).
final class RawServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var stopped = false
    private var clients: [Int32] = []

    init(reply: @escaping @Sendable (String) -> String?) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        addr.sin_port = 0
        let bound = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 16) == 0 else { throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
        self.fd = fd
        let listener = fd
        Thread.detachNewThread { [self] in
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                lock.withLock { clients.append(client) }
                var buffer = [UInt8](repeating: 0, count: 65536)
                let n = read(client, &buffer, buffer.count)
                let request = n > 0 ? String(decoding: buffer.prefix(n), as: UTF8.self) : ""
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

    func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            shutdown(fd, Int32(SHUT_RDWR))
            close(fd)
            for c in clients { close(c) }
        }
    }

    /// A port nothing listens on (bound, then released).
    static func unusedPort() throws -> Int {
        let s = try RawServer { _ in nil }
        let p = s.port
        s.stop()
        return p
    }
}
