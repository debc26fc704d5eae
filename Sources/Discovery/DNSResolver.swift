private import EWSExecutor
import Dispatch
import Foundation

/// A small stub resolver over UDP (RFC 1035 §4.2.1): one question per query, answers matched by id
/// and by the connected socket's peer, a timeout on every query. Enough for SRV and A look-ups
/// against the system's or a given server, with no C library resolver in between.
package struct DNSResolver: Sendable {
    /// The server asked.
    package let server: DNSServerAddress
    /// Seconds to wait for an answer.
    package let timeout: Double

    /// Creates a resolver for one server.
    package init(server: DNSServerAddress, timeout: Double = 3) {
        self.server = server
        self.timeout = timeout
    }

    /// Why a look-up had no answer.
    package struct Failure: Error, Sendable, CustomStringConvertible {
        /// What went wrong.
        package var description: String
        init(_ d: String) { description = d }
    }

    /// The answer to one query.
    package struct Answer: Sendable {
        /// RCODE (0 no error, 3 no such name).
        package var responseCode: Int
        /// Whether the server set TC (the answer did not fit a UDP datagram).
        package var truncated: Bool
        /// SRV records in the answer section.
        package var srv: [SRVRecord]
        /// IPv4 addresses in the answer section.
        package var addresses: [String]

        /// `NOERROR`, `NXDOMAIN`…
        package var responseCodeName: String {
            switch responseCode {
            case 0: return "NOERROR"
            case 1: return "FORMERR"
            case 2: return "SERVFAIL"
            case 3: return "NXDOMAIN"
            case 4: return "NOTIMP"
            case 5: return "REFUSED"
            default: return "RCODE \(responseCode)"
            }
        }
    }

    /// SRV records for `name`.
    package func srv(_ name: String) async throws(Failure) -> Answer { try await query(name, .srv) }

    /// IPv4 addresses for `name`.
    package func addresses(_ name: String) async throws(Failure) -> Answer { try await query(name, .a) }

    func query(_ name: String, _ type: DNSMessage.RecordType) async throws(Failure) -> Answer {
        let id = UInt16.random(in: 0...UInt16.max)
        guard let packet = DNSMessage.query(id: id, name: name, type: type) else { throw Failure("'\(name)' is not a valid DNS name") }
        let result: Result<[UInt8], Failure> = await withCheckedContinuation { continuation in
            // Blocking socket calls: on the blocking executor, off Swift's cooperative pool and off
            // Dispatch's (which a busy process can starve for seconds).
            BlockingExecutor.shared.submit("dns-query") { continuation.resume(returning: exchange(packet)) }
        }
        let bytes = try result.get()
        do {
            let message = try DNSMessage.parse(bytes, expectedID: id)
            var answer = Answer(responseCode: message.responseCode, truncated: message.truncated, srv: [], addresses: [])
            for (_, record) in message.answers {
                switch record {
                case .srv(let r): answer.srv.append(r)
                case .a(let a): answer.addresses.append(a)
                default: break
                }
            }
            return answer
        } catch {
            throw Failure("unreadable answer from \(server): \(error)")
        }
    }

    private func exchange(_ packet: [UInt8]) -> Result<[UInt8], Failure> {
        let v6 = server.address.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return .failure(Failure("no UDP socket: \(String(cString: strerror(errno)))")) }
        defer { close(fd) }
        // connect() makes the kernel drop datagrams from anyone but the server.
        let connected: Int32
        if v6 {
            var addr = sockaddr_in6()
            addr.sin6_family = sa_family_t(AF_INET6)
            addr.sin6_port = in_port_t(UInt16(server.port).bigEndian)
            guard inet_pton(AF_INET6, server.address, &addr.sin6_addr) == 1 else { return .failure(Failure("bad address \(server.address)")) }
            connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) } }
        } else {
            var addr = sockaddr_in()
            addr.sin_family = sa_family_t(AF_INET)
            addr.sin_port = in_port_t(UInt16(server.port).bigEndian)
            guard inet_pton(AF_INET, server.address, &addr.sin_addr) == 1 else { return .failure(Failure("bad address \(server.address)")) }
            connected = withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
        }
        guard connected == 0 else { return .failure(Failure("cannot reach \(server): \(String(cString: strerror(errno)))")) }
        let sent = packet.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == packet.count else { return .failure(Failure("cannot send to \(server): \(String(cString: strerror(errno)))")) }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { return .failure(Failure("no answer from \(server) within \(timeout) s")) }
            var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&pfd, 1, Int32(max(1, (deadline - now) / 1_000_000)))
            if ready < 0 {
                if errno == EINTR { continue }
                return .failure(Failure("poll failed: \(String(cString: strerror(errno)))"))
            }
            if ready == 0 { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                // ECONNREFUSED: an ICMP port unreachable came back; nothing listens there.
                return .failure(Failure("no DNS server answers at \(server): \(String(cString: strerror(errno)))"))
            }
            // A datagram too short to be an answer is ignored; the id check happens in the parser.
            if n >= 12 { return .success(Array(buffer[0..<n])) }
        }
    }
}
