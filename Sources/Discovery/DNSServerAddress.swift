import Foundation

/// A DNS server to ask: an IPv4 or IPv6 address and a port (`127.0.0.1:5353`, `[::1]:53`, `9.9.9.9`).
package struct DNSServerAddress: Sendable, Hashable, CustomStringConvertible {
    /// The IP address, without brackets.
    package var address: String
    /// The UDP port.
    package var port: Int

    /// Creates an address.
    package init(address: String, port: Int = 53) {
        self.address = address
        self.port = port
    }

    /// Parses `ADDR[:PORT]`; IPv6 addresses with a port go in brackets. Host names are refused:
    /// the resolver must not need a resolver.
    package init?(parsing text: String) {
        var host = Substring(text)
        var port = 53
        if host.hasPrefix("[") {
            guard let close = host.firstIndex(of: "]") else { return nil }
            let rest = host[host.index(after: close)...]
            host = host[host.index(after: host.startIndex)..<close]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let p = Int(rest.dropFirst()) else { return nil }
                port = p
            }
        } else if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            guard let p = Int(host[host.index(after: colon)...]) else { return nil }
            port = p
            host = host[..<colon]
        }
        guard (1...65535).contains(port), Self.isIPAddress(String(host)) else { return nil }
        self.init(address: String(host), port: port)
    }

    /// The first `nameserver` of a resolv.conf.
    package static func system(resolvConf path: String = "/etc/resolv.conf") -> DNSServerAddress? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(whereSeparator: \.isNewline) {
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
            if fields.count >= 2, fields[0] == "nameserver" {
                // A scoped IPv6 address (fe80::1%eth0) is not supported; skip it.
                let address = String(fields[1])
                if Self.isIPAddress(address) { return DNSServerAddress(address: address) }
            }
        }
        return nil
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    package var description: String { address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)" }
}
