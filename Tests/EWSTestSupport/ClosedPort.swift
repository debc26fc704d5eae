import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A port on 127.0.0.1 that nobody answers on, for as long as this object holds it: the socket is
/// bound (the system picks the port) and never listens or reads, so a TCP connection gets a reset at
/// once, a UDP datagram (`udp: true`) is never answered, and no other program can take the port
/// meanwhile. Not a port guessed free and released, nor a well-known one assumed silent.
package final class ClosedPort: Sendable {
    /// The port.
    package let port: Int
    private let fd: Int32
    private let released = Atomic<Bool>(false)

    /// Binds a TCP (or, with `udp`, a UDP) port the system picks, without listening on it.
    package init(udp: Bool = false) throws {
        let fd = socket(AF_INET, Int32((udp ? SOCK_DGRAM : SOCK_STREAM).rawValue), 0)
        guard fd >= 0 else { throw FixtureError("socket: \(String(cString: strerror(errno)))") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            let reason = String(cString: strerror(errno))
            Glibc.close(fd)
            throw FixtureError("bind: \(reason)")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    /// Gives the port back (at the latest when this object goes). Tests call it in a `defer`, which
    /// also keeps the port held until the test is over.
    package func close() {
        if !released.exchange(true, ordering: .sequentiallyConsistent) { Glibc.close(fd) }
    }

    deinit { close() }
}
