private import CEWSCurl
import Foundation

/// The certificate a server presented when TLS verification failed, read in a second handshake
/// that does not verify, and what was wrong with it: the facts a person needs to fix trust
/// (subject, issuer, validity, names) without running openssl.
package struct PeerCertificate: Sendable, Hashable, Codable {
    /// Why verification failed, as a stable kind.
    package enum Problem: String, Sendable, Hashable, Codable {
        /// The validity period has ended.
        case expired
        /// The validity period has not begun.
        case notYetValid = "not-yet-valid"
        /// The certificate names other hosts than the one connected to.
        case nameMismatch = "name-mismatch"
        /// The certificate signs itself and is not among the trusted CAs.
        case selfSigned = "self-signed"
        /// The issuing CA is not among the trusted CAs (system store plus any CA file).
        case untrustedIssuer = "untrusted-issuer"
        /// Anything else OpenSSL or libcurl reported.
        case other
    }

    /// The host name connected to.
    package var host: String
    /// The leaf certificate's subject (`CN = mail.contoso.com`).
    package var subject: String?
    /// The leaf certificate's issuer.
    package var issuer: String?
    /// Start of validity, as the certificate says.
    package var notBefore: String?
    /// End of validity, as the certificate says.
    package var notAfter: String?
    /// Subject alternative names (`DNS:mail.contoso.com`, `IP Address:127.0.0.1`).
    package var subjectAltNames: [String]
    /// OpenSSL's verification result (10 expired, 18 self-signed, 20 unknown issuer…), where known.
    package var verifyResult: Int?
    /// libcurl's words for the failure.
    package var verifyError: String
    /// Why verification failed.
    package var problem: Problem

    /// Creates a record; ``problem`` is derived from the verification result and libcurl's message.
    package init(host: String, subject: String?, issuer: String?, notBefore: String?, notAfter: String?,
                subjectAltNames: [String], verifyResult: Int?, verifyError: String) {
        self.host = host
        self.subject = subject
        self.issuer = issuer
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.subjectAltNames = subjectAltNames
        self.verifyResult = verifyResult
        self.verifyError = verifyError
        problem = Self.classify(verifyResult: verifyResult, error: verifyError, subject: subject, issuer: issuer)
    }

    static func classify(verifyResult: Int?, error: String, subject: String?, issuer: String?) -> Problem {
        let text = error.lowercased()
        // OpenSSL's verification results, by their names in x509_vfy.h.
        switch verifyResult.map(Int32.init(truncatingIfNeeded:)) {
        case X509_V_ERR_CERT_HAS_EXPIRED?: return .expired
        case X509_V_ERR_CERT_NOT_YET_VALID?: return .notYetValid
        case X509_V_ERR_HOSTNAME_MISMATCH?: return .nameMismatch
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT?: return .selfSigned
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT?, X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN?,
             X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY?, X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE?:
            return .untrustedIssuer
        default: break
        }
        if text.contains("expired") { return .expired }
        if text.contains("not yet valid") { return .notYetValid }
        if text.contains("subject name") || text.contains("does not match") || text.contains("hostname mismatch") { return .nameMismatch }
        if text.contains("self-signed") || text.contains("self signed") {
            return subject != nil && subject == issuer ? .selfSigned : .untrustedIssuer
        }
        if text.contains("issuer") || text.contains("unable to get local") { return .untrustedIssuer }
        return .other
    }

    /// One line naming the finding: `certificate expired (not after Jan 1 00:00:00 2026 GMT)`.
    package var finding: String {
        switch problem {
        case .expired: return "the certificate has expired (valid until \(notAfter ?? "?"))"
        case .notYetValid: return "the certificate is not valid yet (valid from \(notBefore ?? "?"))"
        case .nameMismatch:
            let names = subjectAltNames.isEmpty ? (subject ?? "?") : listedNames
            return "the certificate does not name \(host) (it names \(names))"
        case .selfSigned: return "the certificate is self-signed (\(subject ?? "?")) and not trusted"
        case .untrustedIssuer: return "the certificate's issuer (\(issuer ?? "?")) is not a trusted CA"
        case .other: return "the certificate does not verify: \(verifyError)"
        }
    }

    /// The certificate's facts in one line: subject, issuer, validity, names.
    package var details: String {
        var parts: [String] = []
        if let subject { parts.append("subject \(subject)") }
        if let issuer { parts.append("issuer \(issuer)") }
        if notBefore != nil || notAfter != nil { parts.append("valid \(notBefore ?? "?") to \(notAfter ?? "?")") }
        if !subjectAltNames.isEmpty { parts.append("names \(listedNames)") }
        return parts.isEmpty ? "no certificate details could be read" : parts.joined(separator: "; ")
    }

    /// The subject alternative names for a message: the first eight, then how many more (a hosting
    /// provider's certificate may carry hundreds; the report keeps every one in `subjectAltNames`).
    private var listedNames: String {
        let shown = subjectAltNames.prefix(8).joined(separator: ", ")
        return subjectAltNames.count > 8 ? "\(shown) and \(subjectAltNames.count - 8) more" : shown
    }
}
