private import CEWSCurl
import Dispatch
import EWSTransport
import Foundation

/// libcurl's global state; reference-counted, so initialising it here as well is harmless.
private let curlReady: Bool = curl_global_init(Int(CURL_GLOBAL_ALL)) == CURLE_OK

/// Learns a host's TLS facts with a connect-only libcurl handshake (no HTTP request), through the
/// same host pins and trusted CAs as the transport: first with verification on, and when that
/// fails, again with it off to read the certificate that failed.
///
/// A second connection rather than the transport's own: the transport keeps no certificate
/// details, and a handshake costs a few milliseconds once per host.
struct TLSProbe: Sendable {
    let transport: HTTPTransportConfiguration
    let timeoutSeconds: Double

    func facts(host: String, port: Int) async -> TLSFacts {
        await withCheckedContinuation { continuation in
            // curl_easy_perform blocks: a thread of its own, off Swift's cooperative pool.
            Thread { continuation.resume(returning: run(host: host, port: port)) }.start()
        }
    }

    private func run(host: String, port: Int) -> TLSFacts {
        let strict = handshake(host: host, port: port, verify: true)
        if strict.code == 0 {
            return strict.facts(host: host, port: port, verified: true, verifyError: nil, handshakeError: nil)
        }
        guard strict.isVerificationFailure else {
            return TLSFacts(host: host, port: port, verified: false, handshakeError: strict.error)
        }
        // Read the certificate that failed, without trusting it.
        let loose = handshake(host: host, port: port, verify: false)
        var facts = (loose.certificate.isEmpty ? strict : loose)
            .facts(host: host, port: port, verified: false, verifyError: strict.error, handshakeError: nil)
        // Only the strict handshake loaded the trusted CAs: its verdict is the one that counts.
        if let code = strict.verifyResult, code != 0 { facts.verifyResult = code }
        return facts
    }

    /// What one handshake showed.
    private struct Handshake {
        var code: Int
        var error: String?
        var verifyResult: Int?
        var certificate: [String: String] = [:]
        var subjectAltNames: [String] = []
        var protocolVersion: String?
        var cipher: String?

        /// libcurl's CURLE_PEER_FAILED_VERIFICATION (60) and CURLE_SSL_CACERT-style failures.
        var isVerificationFailure: Bool { code == 60 || code == 77 || code == 83 }

        func facts(host: String, port: Int, verified: Bool, verifyError: String?, handshakeError: String?) -> TLSFacts {
            TLSFacts(host: host, port: port, protocolVersion: protocolVersion, cipher: cipher,
                     subject: certificate["Subject"], issuer: certificate["Issuer"], subjectAltNames: subjectAltNames,
                     notBefore: certificate["Start date"], notAfter: certificate["Expire date"], verified: verified,
                     verifyResult: verifyResult, verifyError: verifyError, handshakeError: handshakeError)
        }
    }

    private func handshake(host: String, port: Int, verify: Bool) -> Handshake {
        guard curlReady, let handle = curl_easy_init() else { return Handshake(code: -1, error: "libcurl could not create a handle") }
        defer { curl_easy_cleanup(handle) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        let log = HandshakeLog()
        let opaque = Unmanaged.passRetained(log).toOpaque()
        defer { Unmanaged<HandshakeLog>.fromOpaque(opaque).release() }

        let name = host.contains(":") ? "[\(host)]" : host
        _ = cews_setopt_string(handle, CURLOPT_URL, "https://\(name):\(port)/")
        _ = cews_setopt_long(handle, CURLOPT_NOSIGNAL, 1)
        _ = cews_setopt_long(handle, CURLOPT_CONNECT_ONLY, 1)
        _ = cews_setopt_long(handle, CURLOPT_CERTINFO, 1)
        _ = cews_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer)
        _ = cews_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, Int(timeoutSeconds * 1000))
        _ = cews_setopt_long(handle, CURLOPT_TIMEOUT_MS, Int(timeoutSeconds * 1000))
        _ = cews_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, verify ? 1 : 0)
        _ = cews_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, verify ? 2 : 0)
        if let ca = transport.tls.caFile { _ = cews_setopt_string(handle, CURLOPT_CAINFO, ca) }
        // The transport's proxy choice (environment proxies only when asked for).
        if let proxy = transport.proxy.curlOptionValue { _ = cews_setopt_string(handle, CURLOPT_PROXY, proxy) }
        _ = cews_setopt_debug_cb(handle, handshakeDebug)
        _ = cews_setopt_pointer(handle, CURLOPT_DEBUGDATA, opaque)
        _ = cews_setopt_long(handle, CURLOPT_VERBOSE, 1)
        var resolve: UnsafeMutablePointer<curl_slist>?
        var connectTo: UnsafeMutablePointer<curl_slist>?
        for pin in transport.hostPins {
            if pin.isConnectTo { connectTo = curl_slist_append(connectTo, pin.description) }
            else { resolve = curl_slist_append(resolve, pin.description) }
        }
        defer {
            curl_slist_free_all(resolve)
            curl_slist_free_all(connectTo)
        }
        if let resolve { _ = cews_setopt_slist(handle, CURLOPT_RESOLVE, resolve) }
        if let connectTo { _ = cews_setopt_slist(handle, CURLOPT_CONNECT_TO, connectTo) }

        let code = curl_easy_perform(handle)
        var result = Handshake(code: Int(code.rawValue))
        if code != CURLE_OK {
            result.error = errorBuffer[0] != 0 ? String(cString: errorBuffer) : String(cString: curl_easy_strerror(code))
        }
        var verifyResult = 0
        if cews_getinfo_long(handle, CURLINFO_SSL_VERIFYRESULT, &verifyResult) == CURLE_OK { result.verifyResult = verifyResult }
        result.protocolVersion = log.protocolVersion
        result.cipher = log.cipher
        let leaf = LeafCertificateInfo(curlHandle: handle)
        result.certificate = leaf.fields
        result.subjectAltNames = leaf.subjectAltNames
        return result
    }
}

/// Collects what libcurl's verbose text says about the negotiated protocol.
private final class HandshakeLog {
    var protocolVersion: String?
    var cipher: String?

    func text(_ line: String) {
        // "SSL connection using TLSv1.3 / TLS_AES_256_GCM_SHA384"
        guard let range = line.range(of: "SSL connection using ") else { return }
        let rest = line[range.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
        let parts = rest.components(separatedBy: " / ")
        protocolVersion = parts.first
        if parts.count > 1 { cipher = parts[1] }
    }
}

private func handshakeDebug(_ handle: UnsafeMutableRawPointer?, _ type: curl_infotype,
                            _ data: UnsafeMutablePointer<CChar>?, _ size: Int,
                            _ userdata: UnsafeMutableRawPointer?) -> Int32 {
    guard type == CURLINFO_TEXT, let data, let userdata else { return 0 }
    let log = Unmanaged<HandshakeLog>.fromOpaque(userdata).takeUnretainedValue()
    let line = data.withMemoryRebound(to: UInt8.self, capacity: size) {
        String(decoding: UnsafeBufferPointer(start: $0, count: size), as: UTF8.self)
    }
    log.text(line)
    return 0
}
