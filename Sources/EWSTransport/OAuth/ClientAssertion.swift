import _CryptoExtras
import Crypto
import Foundation

/// An application certificate and its private key, for OAuth client authentication with a signed
/// client assertion (RFC 7523 §2.2, Microsoft identity platform "certificate credentials").
///
/// The key never prints itself and is never recorded; only the thumbprint (public) is shown.
package struct ClientCertificate: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    private let key: _RSA.Signing.PrivateKey
    /// The DER bytes of the certificate.
    package let certificateDER: Data
    /// The SHA-1 thumbprint of the DER certificate, upper-case hex (as the Azure portal shows it).
    package let thumbprintHex: String
    /// The same thumbprint, base64url: the `x5t` header of the assertion.
    package let x5t: String

    /// Reads a PEM certificate and its PEM private key (PKCS#1 `RSA PRIVATE KEY` or PKCS#8
    /// `PRIVATE KEY`, unencrypted). Errors never quote the key.
    package init(certificatePEM: String, privateKeyPEM: String) throws(ClientCertificateError) {
        guard let der = Self.firstBlock(of: "CERTIFICATE", in: certificatePEM) else {
            throw ClientCertificateError("the certificate file holds no PEM CERTIFICATE block")
        }
        if privateKeyPEM.contains("ENCRYPTED") {
            throw ClientCertificateError("the private key is encrypted; give an unencrypted PEM key (kept mode 600)")
        }
        let key: _RSA.Signing.PrivateKey
        do {
            key = try _RSA.Signing.PrivateKey(pemRepresentation: privateKeyPEM)
        } catch {
            throw ClientCertificateError("the private key file holds no usable RSA private key (2048 bits or more, PEM)")
        }
        self.key = key
        certificateDER = der
        let digest = Array(Insecure.SHA1.hash(data: der))
        thumbprintHex = digest.map { String(format: "%02X", $0) }.joined()
        x5t = Base64URL.encode(digest)
        // The key must belong to the certificate, or every assertion fails at the token endpoint.
        // The certificate's DER holds the key's SubjectPublicKeyInfo verbatim.
        guard der.range(of: key.publicKey.derRepresentation) != nil else {
            throw ClientCertificateError("the private key does not belong to the certificate (thumbprint \(thumbprintHex))")
        }
    }

    /// Reads both files.
    package init(certificateFile: String, privateKeyFile: String) throws(ClientCertificateError) {
        guard let cert = FileManager.default.contents(atPath: certificateFile).flatMap({ String(data: $0, encoding: .utf8) }) else {
            throw ClientCertificateError("certificate file \(certificateFile) does not exist or is not text")
        }
        guard let key = FileManager.default.contents(atPath: privateKeyFile).flatMap({ String(data: $0, encoding: .utf8) }) else {
            throw ClientCertificateError("private key file \(privateKeyFile) does not exist or is not text")
        }
        do {
            try self.init(certificatePEM: cert, privateKeyPEM: key)
        } catch {
            throw ClientCertificateError("\(certificateFile) / \(privateKeyFile): \(error.message)")
        }
    }

    /// A signed client assertion for `clientID` at `tokenEndpoint`: header `alg` RS256, `typ`
    /// JWT, `x5t`; claims `aud` (the token endpoint), `iss` = `sub` = the client id, a fresh
    /// `jti`, `nbf`/`iat` now and `exp` `lifetime` seconds later (Entra accepts up to 10 minutes
    /// and MSAL uses 10).
    /// Throws, with the cause, when the claims cannot be encoded or the key cannot sign.
    package func assertion(clientID: String, tokenEndpoint: String, now: Date = Date(),
                           lifetime: Int = 600) throws(ClientCertificateError) -> Secret {
        let t = Int(now.timeIntervalSince1970)
        let header: [String: Any] = ["alg": "RS256", "typ": "JWT", "x5t": x5t]
        let claims: [String: Any] = ["aud": tokenEndpoint, "iss": clientID, "sub": clientID,
                                     "jti": UUID().uuidString.lowercased(), "nbf": t, "iat": t, "exp": t + lifetime]
        guard let input = JSONWebToken.signingInput(header: header, claims: claims) else {
            throw ClientCertificateError("the assertion's claims could not be encoded as JSON (client id \(clientID))")
        }
        do {
            let signature = try key.signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5)
            return Secret(input + "." + Base64URL.encode(signature.rawRepresentation))
        } catch {
            // swift-crypto's errors name the failing operation, never key material.
            throw ClientCertificateError("RS256 signing with the key of certificate \(thumbprintHex) failed: \(error)")
        }
    }

    package var description: String { "client certificate \(thumbprintHex) <key redacted>" }
    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: ["thumbprint": thumbprintHex], displayStyle: .struct) }

    /// The DER bytes of the first `-----BEGIN <label>-----` block.
    static func firstBlock(of label: String, in pem: String) -> Data? {
        guard let begin = pem.range(of: "-----BEGIN \(label)-----"),
              let end = pem.range(of: "-----END \(label)-----", range: begin.upperBound..<pem.endIndex) else { return nil }
        let body = pem[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(body))
    }
}

/// Why a client certificate could not be used. The message never contains key material.
package struct ClientCertificateError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    package let message: String
    init(_ message: String) { self.message = message }
    package var description: String { message }
}
