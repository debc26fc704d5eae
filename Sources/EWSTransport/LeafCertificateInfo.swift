private import CEWSCurl

/// What libcurl's CERTINFO says of the leaf certificate of the last transfer on a handle: its
/// "Name: value" fields (Subject, Issuer, Start date, Expire date…) and subject alternative names.
/// The one reader of CERTINFO, for every handshake the transport makes (``TLSHandshake``).
package struct LeafCertificateInfo: Sendable, Hashable {
    /// The fields, by name.
    package var fields: [String: String] = [:]
    /// The subject alternative names (`DNS:mail.contoso.com`…).
    package var subjectAltNames: [String] = []

    /// No certificate.
    package init() {}

    /// Reads the leaf of a handle (a `CURL *`) that was set up with CURLOPT_CERTINFO; empty when
    /// libcurl has none.
    package init(curlHandle handle: UnsafeMutableRawPointer) {
        var raw: UnsafeMutablePointer<CChar>?
        guard cews_getinfo_string(handle, CURLINFO_CERTINFO, &raw) == CURLE_OK, let raw else { return }
        let info = UnsafeRawPointer(raw).assumingMemoryBound(to: curl_certinfo.self).pointee
        guard info.num_of_certs > 0, let lists = info.certinfo, var node = lists[0] else { return }
        while true {
            if let data = node.pointee.data {
                let line = String(cString: data)
                if let colon = line.firstIndex(of: ":") {
                    let key = String(line[..<colon])
                    let value = String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
                    fields[key] = value
                    if key == "X509v3 Subject Alternative Name" {
                        subjectAltNames = value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                    }
                }
            }
            guard let next = node.pointee.next else { break }
            node = next
        }
    }
}
