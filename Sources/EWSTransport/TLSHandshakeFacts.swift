/// What the transport learned of one host's TLS with connect-only handshakes (no HTTP request, no
/// credentials), through the same host pins, proxy, trusted CAs and client certificate as its
/// requests: first with verification on and, when that fails, again with it off to read the
/// certificate that failed. For Discovery's per-host TLS facts.
package struct TLSHandshakeFacts: Sendable, Hashable {
    /// The negotiated protocol (`TLSv1.3`), read from the TLS session, not from log text.
    package var protocolVersion: String?
    /// The negotiated cipher suite (`TLS_AES_256_GCM_SHA384`), read from the TLS session.
    package var cipher: String?
    /// The leaf certificate (the one that failed, when verification failed).
    package var certificate: LeafCertificateInfo
    /// Whether the chain and the host name verified against the trusted CAs.
    package var verified: Bool
    /// OpenSSL's verification result (0 = ok, 10 = expired, 19/20 = untrusted chain…), where known.
    package var verifyResult: Int?
    /// Why verification failed, in libcurl's words.
    package var verifyError: String?
    /// Why no handshake could be had at all (then the other facts are empty).
    package var handshakeError: String?

    /// Shakes hands with `host`:`port` (blocking the calling thread, for at most twice
    /// `timeoutSeconds`, or about a second after `cancellation` is set).
    init(host: String, port: Int, configuration: HTTPTransportConfiguration, timeoutSeconds: Double,
         cancellation: CancellationFlag) {
        let name = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let url = "https://\(name):\(port)/"
        let strict = TLSHandshake(url: url, configuration: configuration, verify: true, timeoutSeconds: timeoutSeconds,
                                  cancellation: cancellation)
        switch strict.outcome {
        case .completed:
            self = TLSHandshakeFacts(strict, verified: true)
        case .failed:
            self = TLSHandshakeFacts(handshakeError: strict.error ?? "the TLS handshake failed")
        case .cancelled:
            self = TLSHandshakeFacts(handshakeError: Self.cancelled)
        case .verificationFailed:
            // Read the certificate that failed, without trusting it.
            let loose = TLSHandshake(url: url, configuration: configuration, verify: false, timeoutSeconds: timeoutSeconds,
                                     cancellation: cancellation)
            self = TLSHandshakeFacts(loose.leaf.fields.isEmpty ? strict : loose, verified: false)
            verifyError = strict.error
            // Only the strict handshake loaded the trusted CAs: its verdict is the one that counts.
            if let code = strict.verifyResult, code != 0 { verifyResult = code }
        }
    }

    /// Why a probe that was cancelled has no facts.
    package static let cancelled = "cancelled before the TLS handshake completed"

    /// No handshake was had, for `reason`.
    init(handshakeError reason: String) {
        self.init(nil, verified: false)
        handshakeError = reason
    }

    private init(_ handshake: TLSHandshake?, verified: Bool) {
        protocolVersion = handshake?.protocolVersion
        cipher = handshake?.cipher
        certificate = handshake?.leaf ?? LeafCertificateInfo()
        self.verified = verified
        verifyResult = handshake?.verifyResult
    }
}
