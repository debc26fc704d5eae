import Foundation

/// The parts of an absolute http(s) URL the engine reasons about: scheme, host, port, path.
struct URLParts: Sendable, Hashable {
    var scheme: String
    var host: String
    /// The explicit port, if the URL has one.
    var explicitPort: Int?
    /// Path and query.
    var pathAndQuery: String

    init?(_ text: String) {
        guard let c = URLComponents(string: text), let scheme = c.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = c.host, !host.isEmpty else { return nil }
        self.scheme = scheme
        self.host = host.lowercased()
        explicitPort = c.port
        let path = c.percentEncodedPath.isEmpty ? "/" : c.percentEncodedPath
        pathAndQuery = path + (c.percentEncodedQuery.map { "?" + $0 } ?? "")
    }

    /// The port connected to.
    var port: Int { explicitPort ?? (scheme == "https" ? 443 : 80) }

    var isHTTPS: Bool { scheme == "https" }

    /// `host` or `host:port` when the port is not the scheme's default.
    var authority: String {
        let h = host.contains(":") ? "[\(host)]" : host
        return port == (isHTTPS ? 443 : 80) ? h : "\(h):\(port)"
    }

    /// The URL rebuilt with lowercased scheme and host, default port dropped.
    var normalized: String { "\(scheme)://\(authority)\(pathAndQuery)" }

    /// Resolves a Location header value against this URL (absolute, or absolute-path).
    func resolve(_ location: String) -> String? {
        if URLParts(location) != nil { return location }
        if location.hasPrefix("/") && !location.hasPrefix("//") { return "\(scheme)://\(authority)\(location)" }
        return nil
    }
}

/// Domain arithmetic for redirect rules.
enum DomainRules {
    /// Whether `host` is `domain` or below it.
    static func host(_ host: String, isWithin domain: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        let d = domain.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        return h == d || h.hasSuffix("." + d)
    }

    /// The domain part of an address (after the last `@`), lowercased.
    static func domain(of address: String) -> String? {
        guard let at = address.lastIndex(of: "@") else { return nil }
        let d = address[address.index(after: at)...].lowercased()
        return d.isEmpty || d.contains("/") || d.contains(" ") ? nil : d
    }
}
