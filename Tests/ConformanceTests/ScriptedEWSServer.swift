import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain-HTTP server on loopback for the misbehaviour the simulator does not model: each
/// request (read whole: headers and Content-Length body) is answered with what `reply` returns,
/// then the connection is closed.
final class ScriptedEWSServer: @unchecked Sendable {
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

    let port: Int
    private let fd: Int32
    private let lock = NSLock()
    private var stopped = false
    private var clients: Set<Int32> = []
    private var seen: [Request] = []
    private let exited = DispatchSemaphore(value: 0)

    /// Every request answered so far.
    var requests: [Request] { lock.withLock { seen } }

    /// `http://127.0.0.1:<port>/EWS/Exchange.asmx`.
    var ewsURL: String { "http://127.0.0.1:\(port)/EWS/Exchange.asmx" }

    init(reply: @escaping @Sendable (Request) -> Response) throws {
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
        guard bound == 0, listen(fd, 16) == 0 else { close(fd); throw POSIXError(.EADDRINUSE) }
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) }
        }
        port = Int(UInt16(bigEndian: addr.sin_port))
        self.fd = fd
        Thread.detachNewThread { [self] in
            defer { exited.signal() }
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                let stop = lock.withLock { () -> Bool in
                    if stopped { return true }
                    clients.insert(client)
                    return false
                }
                if stop { close(client); return }
                Thread.detachNewThread { [self] in serve(client, reply) }
            }
        }
    }

    private func serve(_ client: Int32, _ reply: @Sendable (Request) -> Response) {
        defer {
            lock.withLock { _ = clients.remove(client) }
            close(client)
        }
        var data = [UInt8]()
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headerEnd: Int?
        var needed = Int.max
        while data.count < needed {
            let n = read(client, &buffer, buffer.count)
            if n <= 0 { return }
            data += buffer.prefix(n)
            if headerEnd == nil, let range = findHeaderEnd(data) {
                headerEnd = range
                let head = String(decoding: data[..<range], as: UTF8.self)
                let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                    .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                needed = range + 4 + length
            }
        }
        guard let headerEnd else { return }
        let lines = String(decoding: data[..<headerEnd], as: UTF8.self).split(separator: "\r\n").map(String.init)
        let first = lines.first?.split(separator: " ").map(String.init) ?? []
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let request = Request(method: first.first ?? "", path: first.count > 1 ? first[1] : "", headers: headers,
                              body: String(decoding: data[(headerEnd + 4)...], as: UTF8.self))
        lock.withLock { seen.append(request) }
        let response = reply(request)
        var head = "HTTP/1.1 \(response.status) X\r\nContent-Length: \(response.body.utf8.count)\r\nConnection: close\r\n"
        if let type = response.contentType { head += "Content-Type: \(type)\r\n" }
        for (name, value) in response.headers { head += "\(name): \(value)\r\n" }
        let bytes = Array((head + "\r\n" + response.body).utf8)
        var sent = 0
        while sent < bytes.count {
            let w = bytes[sent...].withUnsafeBufferPointer { write(client, $0.baseAddress, $0.count) }
            if w <= 0 { break }
            sent += w
        }
    }

    private func findHeaderEnd(_ data: [UInt8]) -> Int? {
        guard data.count >= 4 else { return nil }
        for i in 0...(data.count - 4) where data[i] == 13 && data[i + 1] == 10 && data[i + 2] == 13 && data[i + 3] == 10 { return i }
        return nil
    }

    func stop() {
        let first = lock.withLock { () -> Bool in
            guard !stopped else { return false }
            stopped = true
            for c in clients { shutdown(c, Int32(SHUT_RDWR)) }
            return true
        }
        guard first else { return }
        shutdown(fd, Int32(SHUT_RDWR))
        exited.wait()
        close(fd)
    }
}
