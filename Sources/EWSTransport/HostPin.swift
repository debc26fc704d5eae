/// Points a host name at another address, like curl's `--resolve` or `--connect-to`.
///
/// Real names (`outlook.office365.com`) can be sent to a simulator on loopback while TLS still
/// checks the certificate against the real name.
package struct HostPin: Sendable, Hashable, CustomStringConvertible {
    /// The name (and port) requests are addressed to.
    package var host: String
    /// The port requests are addressed to.
    package var port: Int
    /// Where the connection really goes.
    package var address: String
    /// The port the connection really goes to; nil keeps ``port`` (curl's `--resolve`).
    package var connectPort: Int?

    /// Creates a pin.
    package init(host: String, port: Int, address: String, connectPort: Int? = nil) {
        self.host = host
        self.port = port
        self.address = address
        self.connectPort = connectPort
    }

    /// Parses `host:port:address` (resolve form) or `host:port:address:port` (connect-to form).
    /// An IPv6 address is written in brackets: `host:443:[::1]`.
    package init?(parsing text: String) {
        var rest = Substring(text)
        func field() -> Substring? {
            if rest.first == "[" {
                guard let close = rest.firstIndex(of: "]") else { return nil }
                let value = rest[rest.index(after: rest.startIndex)..<close]
                rest = rest[rest.index(after: close)...]
                if rest.first == ":" { rest = rest.dropFirst() } else if !rest.isEmpty { return nil }
                return value
            }
            if let colon = rest.firstIndex(of: ":") {
                let value = rest[..<colon]
                rest = rest[rest.index(after: colon)...]
                return value
            }
            let value = rest
            rest = ""
            return value
        }
        guard let host = field(), !host.isEmpty,
              let portText = field(), let port = Int(portText), (1...65535).contains(port),
              let address = field(), !address.isEmpty
        else { return nil }
        var connectPort: Int?
        if !rest.isEmpty {
            guard let p = Int(rest), (1...65535).contains(p) else { return nil }
            connectPort = p
        }
        self.init(host: String(host), port: port, address: String(address), connectPort: connectPort)
    }

    /// The pin as libcurl takes it: a `CURLOPT_RESOLVE` entry (``connectPort`` nil) or a
    /// `CURLOPT_CONNECT_TO` entry; ``description`` is already in that form.
    package var isConnectTo: Bool { connectPort != nil }

    package var description: String {
        let addr = address.contains(":") ? "[\(address)]" : address
        if let connectPort { return "\(host):\(port):\(addr):\(connectPort)" }
        return "\(host):\(port):\(addr)"
    }
}
