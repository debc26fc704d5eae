import EWSTransport
import Foundation

/// What a TLS handshake with one host showed: the certificate, whether it verified, the protocol.
package struct TLSFacts: Sendable, Hashable, Codable {
    /// The host name connected to (and checked against the certificate).
    package var host: String
    /// The port.
    package var port: Int
    /// The negotiated protocol (`TLSv1.3`), as the TLS library names it.
    package var protocolVersion: String?
    /// The negotiated cipher suite.
    package var cipher: String?
    /// The leaf certificate's subject.
    package var subject: String?
    /// The leaf certificate's issuer.
    package var issuer: String?
    /// The leaf certificate's subject alternative names (`DNS:mail.contoso.com`, `IP Address:127.0.0.1`).
    package var subjectAltNames: [String]
    /// Start of validity, as the certificate says.
    package var notBefore: String?
    /// End of validity, as the certificate says.
    package var notAfter: String?
    /// Whether the chain and the host name verified against the trusted CAs.
    package var verified: Bool
    /// OpenSSL's verification result code (0 = ok, 10 = expired, 19/20 = untrusted chain…).
    package var verifyResult: Int?
    /// Why verification failed, in libcurl's words.
    package var verifyError: String?
    /// Why no handshake could be had at all (then the other facts are empty).
    package var handshakeError: String?

    /// Creates a record.
    package init(host: String, port: Int, protocolVersion: String? = nil, cipher: String? = nil, subject: String? = nil,
                issuer: String? = nil, subjectAltNames: [String] = [], notBefore: String? = nil, notAfter: String? = nil,
                verified: Bool, verifyResult: Int? = nil, verifyError: String? = nil, handshakeError: String? = nil) {
        self.host = host
        self.port = port
        self.protocolVersion = protocolVersion
        self.cipher = cipher
        self.subject = subject
        self.issuer = issuer
        self.subjectAltNames = subjectAltNames
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.verified = verified
        self.verifyResult = verifyResult
        self.verifyError = verifyError
        self.handshakeError = handshakeError
    }

    /// The facts of the transport's handshakes with `host`:`port`.
    init(host: String, port: Int, _ facts: TLSHandshakeFacts) {
        let certificate = facts.certificate.fields
        self.init(host: host, port: port, protocolVersion: facts.protocolVersion, cipher: facts.cipher,
                  subject: certificate["Subject"], issuer: certificate["Issuer"], subjectAltNames: facts.certificate.subjectAltNames,
                  notBefore: certificate["Start date"], notAfter: certificate["Expire date"], verified: facts.verified,
                  verifyResult: facts.verifyResult, verifyError: facts.verifyError, handshakeError: facts.handshakeError)
    }

    /// Whether the negotiated protocol is TLS 1.2 or newer (nil when unknown).
    package var protocolIsModern: Bool? {
        guard let v = protocolVersion?.uppercased() else { return nil }
        if v.hasPrefix("SSL") { return false }
        guard v.hasPrefix("TLSV1") else { return nil }
        let minor = v.dropFirst(5).drop { $0 == "." }
        return minor.isEmpty ? false : (Int(minor) ?? 0) >= 2
    }

    /// What is wrong with this host's TLS, in words; empty when nothing is.
    package var problems: [String] {
        var list: [String] = []
        if let handshakeError { list.append("no TLS handshake: \(handshakeError)") }
        if handshakeError == nil, !verified {
            list.append("certificate does not verify: \(verifyError ?? "verification failed")")
        }
        if protocolIsModern == false, let v = protocolVersion { list.append("negotiated \(v), older than TLS 1.2") }
        return list
    }

    /// `TLSv1.3, verified, CN = mail.contoso.com, expires Dec 26 …`.
    package var summary: String {
        if let handshakeError { return "no handshake (\(handshakeError))" }
        var parts: [String] = []
        parts.append(protocolVersion ?? "TLS version unknown")
        parts.append(verified ? "certificate verified" : "certificate NOT verified (\(verifyError ?? "?"))")
        if let subject { parts.append("subject \(subject)") }
        if let issuer { parts.append("issuer \(issuer)") }
        if let notAfter { parts.append("expires \(notAfter)") }
        return parts.joined(separator: ", ")
    }
}
