import EWSTransport
import Foundation

/// A short, readable account of one HTTP exchange (already redacted at capture): request line, each
/// leg's status, and the start of the response body. Used by JUnit bodies, CTRF traces and
/// `ewscheck report show`.
package enum EvidenceExcerpt {
    /// The excerpt, with the response body cut at `bodyLimit` characters.
    package static func text(_ x: HTTPExchange, bodyLimit: Int = 1500) -> String {
        var lines = ["#\(x.id) \(x.method) \(x.url) (\(String(format: "%.1f", x.durationMilliseconds)) ms)"]
        for (n, leg) in x.legs.enumerated() {
            let auth = leg.requestHeaders.first { $0.name.caseInsensitiveCompare("Authorization") == .orderedSame }
            lines.append("  leg \(n + 1): \(leg.status.map { "HTTP \($0)" } ?? "no status")"
                         + (auth.map { " (sent \($0.name): \($0.value))" } ?? ""))
            for h in leg.responseHeaders where ["www-authenticate", "content-type", "retry-after", "x-ms-diagnostics", "location"].contains(h.name.lowercased()) {
                lines.append("    \(h.name): \(h.value)")
            }
        }
        let body = x.responseBody
        if !body.isEmpty {
            lines.append("  response body: " + (body.count > bodyLimit ? String(body.prefix(bodyLimit)) + " … (\(body.count) characters)" : body))
        }
        return lines.joined(separator: "\n")
    }
}
