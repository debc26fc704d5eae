import EWSTransport
import Foundation
import Yams

/// How a target is reached: time limits, proxy and client certificate, from the target file
/// (`timeouts:`, `proxy:`, `tls.client_certificate`/`tls.client_key`) and the command line.
extension TargetConfiguration {
    /// The default limit for a whole run, in seconds (one hour).
    package static let defaultOverallTimeout: Double = 3600

    /// The transport settings for this target: TLS (verification, CA file, client certificate),
    /// time limits, proxy and host pins; one place, so every transport of a run reaches the
    /// provider the same way.
    package func transportConfiguration(credentials: HTTPCredentials = .none, connections: Int = 1) -> HTTPTransportConfiguration {
        var configuration = HTTPTransportConfiguration(
            credentials: credentials,
            tls: .init(verify: !insecure, caFile: caFile, clientCertificateFile: clientCertificateFile, clientKeyFile: clientKeyFile),
            timeout: timeout, hostPins: hostPins, connections: connections, proxy: proxy)
        // Negotiate credentials from the run's cache: every request renews its ticket when due.
        configuration.kerberosTicketSource = KerberosRunCaches.source(for: credentials)
        return configuration
    }

    static let timeoutKeys = ["connect", "request", "overall"]

    /// Reads `timeouts:` and `proxy:` from the top level and the client certificate from `tls:`.
    mutating func parseConnection(_ top: Node.Mapping, resolve: (String) -> String) throws(TargetFileError) {
        if let node = top["timeouts"] {
            guard let m = node.mapping else { throw TargetFileError("timeouts (line \(Self.line(node))) must be a mapping of connect, request, overall (seconds)") }
            for key in m.keys where !Self.timeoutKeys.contains(key.scalar?.string ?? "") {
                throw TargetFileError("unknown key '\(key.scalar?.string ?? "?")' at line \(Self.line(key)) in timeouts (allowed: \(Self.timeoutKeys.joined(separator: ", ")))")
            }
            func seconds(_ key: String) throws(TargetFileError) -> Double? {
                guard let v = m[key] else { return nil }
                guard let text = v.scalar?.string, let value = Double(text), value.isFinite, value > 0, value <= 86_400 else {
                    throw TargetFileError("timeouts.\(key) (line \(Self.line(v))) must be a number of seconds above 0 and at most 86400")
                }
                return value
            }
            if let v = try seconds("connect") { timeout.connect = v }
            if let v = try seconds("request") { timeout.request = v }
            if let v = try seconds("overall") { overallTimeout = v }
        }
        if let node = top["proxy"] {
            guard let text = node.scalar?.string, !text.isEmpty else {
                throw TargetFileError("proxy (line \(Self.line(node))) must be a proxy URL, 'environment' or 'none'")
            }
            do { proxy = try Self.proxy(parsing: text) } catch { throw TargetFileError("proxy (line \(Self.line(node))): \(error.message)") }
        }
        if let tlsNode = top["tls"], let m = tlsNode.mapping {
            clientCertificateFile = try Self.string(m, "client_certificate", path: "tls.").map(resolve)
            clientKeyFile = try Self.string(m, "client_key", path: "tls.").map(resolve)
            if clientKeyFile != nil && clientCertificateFile == nil {
                throw TargetFileError("tls.client_key needs tls.client_certificate")
            }
        }
    }

    /// `none`, `environment` or an http(s)/socks proxy URL.
    package static func proxy(parsing text: String) throws(TargetFileError) -> HTTPTransportConfiguration.Proxy {
        switch text.lowercased() {
        case "none", "off": return .none
        case "environment", "env": return .environment
        default:
            let lower = text.lowercased()
            let schemes = ["http://", "https://", "socks4://", "socks4a://", "socks5://", "socks5h://"]
            guard schemes.contains(where: lower.hasPrefix), !text.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
                throw TargetFileError("'\(text)' is not a proxy URL (http://host:port, https://, socks5h://…), 'environment' or 'none'")
            }
            return .url(text)
        }
    }
}
