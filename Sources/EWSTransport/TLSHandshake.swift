private import CEWSCurl

/// One connect-only libcurl handshake (no HTTP request, no credentials) through the transport's
/// host pins, proxy, CA file and client certificate, and what it showed: the outcome, the leaf
/// certificate (CERTINFO) and the negotiated protocol and cipher (read from libcurl's OpenSSL
/// session, CURLINFO_TLS_SSL_PTR, by the pre-request callback, while the connection is the
/// transfer's).
struct TLSHandshake {
    /// How a handshake ended, from libcurl's result code.
    enum Ending: Equatable {
        /// The handshake completed (and verified, when verification was on).
        case completed
        /// The peer's certificate could not be verified against the trusted CAs, or the CA file
        /// could not be used for it: a second handshake without verification can still read it.
        case verificationFailed
        /// No handshake could be had (refused, timed out, not TLS…).
        case failed
        /// The caller gave up waiting.
        case cancelled
    }

    var outcome: Ending
    /// libcurl's words for a failure.
    var error: String?
    /// OpenSSL's verification result (X509_V_ERR_*; 0 = ok), where libcurl knows it.
    var verifyResult: Int?
    /// The leaf certificate, when the peer sent one.
    var leaf = LeafCertificateInfo()
    /// The negotiated protocol (`TLSv1.3`), as OpenSSL names it.
    var protocolVersion: String?
    /// The negotiated cipher suite, as OpenSSL names it.
    var cipher: String?

    /// Shakes hands with `url`'s host and port; blocks the calling thread for at most
    /// `timeoutSeconds`, or about a second after `cancellation` is set.
    init(url: String, configuration: HTTPTransportConfiguration, verify: Bool, timeoutSeconds: Double,
         cancellation: CancellationFlag) {
        guard let easy = CurlEasyHandle() else {
            self = TLSHandshake(outcome: .failed, error: "libcurl could not create a handle")
            return
        }
        // `easy` (the handle, then its buffer and lists) is released when this init returns,
        // after everything below has been read from the open connection.
        self = withExtendedLifetime(easy) {
            Self.run(easy, url: url, configuration: configuration, verify: verify, timeoutSeconds: timeoutSeconds, cancellation: cancellation)
        }
    }

    private init(outcome: Ending, error: String? = nil) {
        self.outcome = outcome
        self.error = error
    }

    private static func run(_ easy: CurlEasyHandle, url: String, configuration c: HTTPTransportConfiguration,
                            verify: Bool, timeoutSeconds: Double, cancellation: CancellationFlag) -> TLSHandshake {
        let handle = easy.raw
        var refused: [String] = []
        func set(_ code: CURLcode, _ option: String) {
            if code != CURLE_OK { refused.append("\(option): \(String(cString: curl_easy_strerror(code)))") }
        }
        let limit = CurlHandle.milliseconds(timeoutSeconds)
        if limit <= 0 { refused.append("CURLOPT_TIMEOUT_MS: a time limit must be above 0 s (got \(timeoutSeconds))") }
        set(cews_setopt_string(handle, CURLOPT_URL, url), "CURLOPT_URL")
        set(cews_setopt_string(handle, CURLOPT_PROTOCOLS_STR, "https"), "CURLOPT_PROTOCOLS_STR")
        set(cews_setopt_long(handle, CURLOPT_NOSIGNAL, 1), "CURLOPT_NOSIGNAL")
        set(cews_setopt_long(handle, CURLOPT_CONNECT_ONLY, 1), "CURLOPT_CONNECT_ONLY")
        set(cews_setopt_long(handle, CURLOPT_CERTINFO, 1), "CURLOPT_CERTINFO")
        set(cews_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, limit), "CURLOPT_CONNECTTIMEOUT_MS")
        set(cews_setopt_long(handle, CURLOPT_TIMEOUT_MS, limit), "CURLOPT_TIMEOUT_MS")
        refused += easy.trust(c.tls, verify: verify)
        refused += CurlHandle.applyProxy(c.proxy, to: handle)
        refused += easy.pin(c.hostPins)
        refused += easy.abort(on: cancellation)
        if let first = refused.first {
            return TLSHandshake(outcome: .failed, error: "libcurl refused \(first); no handshake was attempted")
        }

        // The protocol and cipher are read while the connection is still the transfer's.
        let names = easy.allocate(cews_tls_names.self)
        names.pointee.handle = handle
        if cews_setopt_tls_names(handle, names) != CURLE_OK {
            return TLSHandshake(outcome: .failed, error: "libcurl refused CURLOPT_PREREQFUNCTION; no handshake was attempted")
        }

        easy.clearError()
        let code = curl_easy_perform(handle)
        var result = TLSHandshake(outcome: Self.outcome(of: code))
        if code != CURLE_OK { result.error = easy.message(forCode: Int(code.rawValue)) }
        var verifyResult = 0
        if cews_getinfo_long(handle, CURLINFO_SSL_VERIFYRESULT, &verifyResult) == CURLE_OK {
            result.verifyResult = verifyResult
        }
        result.leaf = LeafCertificateInfo(curlHandle: handle)
        result.protocolVersion = cews_tls_names_protocol(names).map { String(cString: $0) }
        result.cipher = cews_tls_names_cipher(names).map { String(cString: $0) }
        return result
    }

    /// libcurl's result codes, by name: which ones mean "the certificate did not verify".
    private static func outcome(of code: CURLcode) -> Ending {
        switch code {
        case CURLE_OK:
            return .completed
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR:
            return .verificationFailed
        case CURLE_ABORTED_BY_CALLBACK:
            return .cancelled
        default:
            return .failed
        }
    }
}
