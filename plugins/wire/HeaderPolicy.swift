/// The one rule for headers a profile or plugin supplies (manifest `extra_headers`, the
/// `adjust_request` hook): the host owns authentication, framing and session state, and no value
/// may carry a line break or NUL (header injection).
package enum HeaderPolicy {
    /// Header names (lowercased) a profile may neither set nor remove.
    package static let protectedNames: Set<String> = ["authorization", "proxy-authorization", "host", "content-length",
                                                     "transfer-encoding", "cookie", "connection"]

    /// Why a header may not be sent as given; nil when it may.
    package static func problem(name: String, value: String) -> String? {
        if name.isEmpty || name.unicodeScalars.contains(where: { !(0x21...0x7e).contains($0.value) || $0 == ":" }) {
            return "'\(name)' is not an HTTP header name"
        }
        if protectedNames.contains(name.lowercased()) { return "\(name) is owned by the host and may not be set by a profile" }
        if value.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" }) { return "the value of \(name) contains a line break or NUL" }
        return nil
    }
}
