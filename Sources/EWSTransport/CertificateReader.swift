private import CEWSCurl
import Foundation

/// Reads the certificate a server presents with a connect-only handshake that does not verify
/// (no HTTP request, no credentials), through the same pins, proxy and time limit as the
/// transport: after a verification failure, the facts a person needs to fix it.
struct CertificateReader {
    let configuration: HTTPTransportConfiguration

    func read(url: String, verifyResult: Int?, verifyError: String) -> PeerCertificate? {
        guard let handle = curl_easy_init() else { return nil }
        defer { curl_easy_cleanup(handle) }
        var ok = true
        func set(_ code: CURLcode) { if code != CURLE_OK { ok = false } }
        set(cews_setopt_string(handle, CURLOPT_URL, url))
        set(cews_setopt_long(handle, CURLOPT_NOSIGNAL, 1))
        set(cews_setopt_long(handle, CURLOPT_CONNECT_ONLY, 1))
        set(cews_setopt_long(handle, CURLOPT_CERTINFO, 1))
        set(cews_setopt_long(handle, CURLOPT_SSL_VERIFYPEER, 0))
        set(cews_setopt_long(handle, CURLOPT_SSL_VERIFYHOST, 0))
        let limit = CurlHandle.milliseconds(min(configuration.timeout.connect, configuration.timeout.request))
        set(cews_setopt_long(handle, CURLOPT_CONNECTTIMEOUT_MS, limit))
        set(cews_setopt_long(handle, CURLOPT_TIMEOUT_MS, limit))
        if !CurlHandle.applyProxy(configuration.proxy, to: handle).isEmpty { ok = false }
        var resolve: UnsafeMutablePointer<curl_slist>?
        var connectTo: UnsafeMutablePointer<curl_slist>?
        for pin in configuration.hostPins {
            if pin.isConnectTo { connectTo = curl_slist_append(connectTo, pin.description) }
            else { resolve = curl_slist_append(resolve, pin.description) }
        }
        // The handle is cleaned up (first defer to run) before the lists it points to are freed.
        defer {
            curl_slist_free_all(resolve)
            curl_slist_free_all(connectTo)
        }
        if let resolve { set(cews_setopt_slist(handle, CURLOPT_RESOLVE, resolve)) }
        if let connectTo { set(cews_setopt_slist(handle, CURLOPT_CONNECT_TO, connectTo)) }
        guard ok, curl_easy_perform(handle) == CURLE_OK else { return nil }

        let leaf = LeafCertificateInfo(curlHandle: handle)
        let fields = leaf.fields
        return PeerCertificate(host: Self.host(of: url), subject: fields["Subject"], issuer: fields["Issuer"],
                               notBefore: fields["Start date"], notAfter: fields["Expire date"], subjectAltNames: leaf.subjectAltNames,
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
