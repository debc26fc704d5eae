import EWSTestSupport
@testable import EWSTransport
import Foundation
import Testing

/// The client assertion ewscheck signs for certificate credentials, checked with openssl (an
/// independent implementation): thumbprint, header, claims and the RS256 signature.
@Suite("Client certificate and signed client assertion")
struct ClientCertificateTests {
    @discardableResult
    static func openssl(_ args: [String], in dir: String) throws -> String {
        let r = try ChildProcess.run("/usr/bin/openssl", args, directory: dir)
        try #require(r.status == 0, "openssl \(args.joined(separator: " ")) failed: \(r.stderr)")
        return r.stdout
    }

    /// A self-signed RSA certificate and key made by openssl, in a new folder.
    static func makeCertificate(traditionalKey: Bool = false) throws -> (dir: String, cert: String, key: String) {
        let dir = try Fixtures.temporaryDirectory("clientcert")
        try openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "cert.pem",
                     "-days", "2", "-subj", "/CN=ewscheck test app"], in: dir)
        if traditionalKey { try openssl(["rsa", "-in", "key.pem", "-out", "key.pem", "-traditional"], in: dir) }
        let cert = try String(contentsOfFile: dir + "/cert.pem", encoding: .utf8)
        let key = try String(contentsOfFile: dir + "/key.pem", encoding: .utf8)
        return (dir, cert, key)
    }

    @Test("the thumbprint is openssl's SHA-1 fingerprint, and x5t is it in base64url")
    func thumbprint() throws {
        let (dir, cert, key) = try Self.makeCertificate()
        let certificate = try ClientCertificate(certificatePEM: cert, privateKeyPEM: key)
        let fingerprint = try Self.openssl(["x509", "-in", "cert.pem", "-noout", "-fingerprint", "-sha1"], in: dir)
        let hex = fingerprint.split(separator: "=").last.map { $0.replacingOccurrences(of: ":", with: "").trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(certificate.thumbprintHex == hex)
        let bytes = try #require(Base64URL.decode(certificate.x5t))
        #expect(bytes.map { String(format: "%02X", $0) }.joined() == hex)
    }

    @Test("the assertion has RS256/JWT/x5t, aud = token endpoint, iss = sub = client id, a jti, a 10-minute window, and openssl verifies its signature")
    func assertionVerifiedByOpenSSL() throws {
        let (dir, cert, key) = try Self.makeCertificate(traditionalKey: true)
        let certificate = try ClientCertificate(certificatePEM: cert, privateKeyPEM: key)
        let endpoint = "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
        let client = "11111111-2222-3333-4444-555555555555"
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let assertion = try certificate.assertion(clientID: client, tokenEndpoint: endpoint, now: now).withUnsafeValue { $0 }
        let jwt = try #require(JSONWebToken(assertion))
        let header = jwt.headerObject
        #expect(header["alg"] as? String == "RS256")
        #expect(header["typ"] as? String == "JWT")
        #expect(header["x5t"] as? String == certificate.x5t)
        let claims = jwt.claimsObject
        #expect(claims["aud"] as? String == endpoint)
        #expect(claims["iss"] as? String == client)
        #expect(claims["sub"] as? String == client)
        #expect((claims["jti"] as? String).map { UUID(uuidString: $0) != nil } == true)
        #expect((claims["nbf"] as? NSNumber)?.intValue == 1_800_000_000)
        #expect((claims["exp"] as? NSNumber)?.intValue == 1_800_000_600)
        let second = try certificate.assertion(clientID: client, tokenEndpoint: endpoint, now: now).withUnsafeValue { $0 }
        #expect(JSONWebToken(second)?.claimsObject["jti"] as? String != claims["jti"] as? String, "each assertion has its own jti")

        try jwt.signingInput.write(to: URL(fileURLWithPath: dir + "/input"))
        try jwt.signature.write(to: URL(fileURLWithPath: dir + "/sig"))
        try Self.openssl(["x509", "-in", "cert.pem", "-pubkey", "-noout", "-out", "pub.pem"], in: dir)
        let verified = try Self.openssl(["dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig", "input"], in: dir)
        #expect(verified.contains("Verified OK"))
    }

    @Test("the key never shows in description, debugDescription or a dump")
    func keyNeverPrinted() throws {
        let (_, cert, key) = try Self.makeCertificate()
        let certificate = try ClientCertificate(certificatePEM: cert, privateKeyPEM: key)
        var dumped = ""
        dump(certificate, to: &dumped)
        let keyLines = key.split(separator: "\n").filter { !$0.hasPrefix("-----") }
        for text in [String(describing: certificate), String(reflecting: certificate), dumped] {
            for line in keyLines { #expect(!text.contains(line)) }
            #expect(text.contains(certificate.thumbprintHex))
        }
    }

    @Test("an encrypted key, a key of another certificate and a file without a certificate are refused")
    func refusals() throws {
        let (dir, cert, key) = try Self.makeCertificate()
        let (_, _, otherKey) = try Self.makeCertificate()
        #expect(throws: ClientCertificateError.self) { _ = try ClientCertificate(certificatePEM: cert, privateKeyPEM: otherKey) }
        #expect(throws: ClientCertificateError.self) { _ = try ClientCertificate(certificatePEM: key, privateKeyPEM: key) }
        try Self.openssl(["rsa", "-in", "key.pem", "-aes256", "-passout", "pass:x", "-out", "enc.pem"], in: dir)
        let encrypted = try String(contentsOfFile: dir + "/enc.pem", encoding: .utf8)
        #expect(throws: ClientCertificateError.self) { _ = try ClientCertificate(certificatePEM: cert, privateKeyPEM: encrypted) }
    }
}
