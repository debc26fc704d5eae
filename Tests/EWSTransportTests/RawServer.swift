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
    private let exited = DispatchSemaphore(value: 0)

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
            defer { exited.signal() }
            while true {
                let client = accept(listener, nil, nil)
                if client < 0 { return }
                let stop = lock.withLock { () -> Bool in
                    if stopped { return true }
                    clients.append(client)
                    return false
                }
                if stop {
                    close(client)
                    return
                }
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

    /// A port nothing listens on (bound, then released).
    static func unusedPort() throws -> Int {
        let s = try RawServer { _ in nil }
        let p = s.port
        s.stop()
        return p
    }
}
