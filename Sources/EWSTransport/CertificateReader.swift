import Foundation

/// Reads the certificate a server presents with a connect-only handshake that does not verify
/// (no HTTP request, no credentials), through the same pins, proxy and time limit as the
/// transport: after a verification failure, the facts a person needs to fix it.
struct CertificateReader {
    let configuration: HTTPTransportConfiguration

    func read(url: String, verifyResult: Int?, verifyError: String, cancellation: CancellationFlag) -> PeerCertificate? {
        let limit = min(configuration.timeout.connect, configuration.timeout.request)
        let handshake = TLSHandshake(url: url, configuration: configuration, verify: false, timeoutSeconds: limit,
                                     cancellation: cancellation)
        guard handshake.outcome == .completed else { return nil }
        let fields = handshake.leaf.fields
        return PeerCertificate(host: Self.host(of: url), subject: fields["Subject"], issuer: fields["Issuer"],
                               notBefore: fields["Start date"], notAfter: fields["Expire date"], subjectAltNames: handshake.leaf.subjectAltNames,
                               verifyResult: verifyResult, verifyError: verifyError)
    }

    /// The host of an absolute URL (brackets of an IPv6 literal removed).
    static func host(of url: String) -> String {
        var rest = Substring(url)
        if let r = rest.range(of: "://") { rest = rest[r.upperBound...] }
        if let slash = rest.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) { rest = rest[..<slash] }
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        if rest.first == "[", let close = rest.firstIndex(of: "]") {
            return String(rest[rest.index(after: rest.startIndex)..<close])
        }
        if let colon = rest.lastIndex(of: ":") { return String(rest[..<colon]) }
        return String(rest)
    }
}
