private import EWSExecutor
import _CryptoExtras
import Crypto
import EWSTransport
import Foundation
import Synchronization
import SwiftASN1
import X509

/// Certificates registered on the simulated tenant's applications ("Certificates & secrets" in
/// the Entra portal), and the `jti` values of client assertions already redeemed.
final class EntraCertificateStore: Sendable {
    /// One uploaded certificate.
    struct Registered: Sendable {
        var x5t: String
        var thumbprintHex: String
        var publicKey: _RSA.Signing.PublicKey
        var notBefore: Date
        var notAfter: Date
    }

    private let byClient = Mutex<[String: [Registered]]>([:])
    private let seenJTIs = Mutex<[String: Date]>([:])

    func register(_ certificate: Registered, clientID: String) {
        byClient.locked { $0[clientID.lowercased(), default: []].append(certificate) }
    }

    func certificates(of clientID: String) -> [Registered] { byClient.locked { $0[clientID.lowercased()] ?? [] } }

    /// Records `jti` until `expiry`; false when it was already recorded (a replay).
    func redeem(jti: String, clientID: String, expiry: Date, now: Date) -> Bool {
        seenJTIs.locked { seen in
            seen = seen.filter { $0.value > now }
            let key = clientID.lowercased() + "|" + jti
            if seen[key] != nil { return false }
            seen[key] = expiry
            return true
        }
    }
}

/// An application certificate the simulator made, for tests and the state folder.
package struct IssuedClientCertificate: Sendable {
    /// The certificate, PEM.
    package var certificatePEM: String
    /// Its RSA private key, PEM (PKCS#8). Write it mode 600; never print it.
    package var privateKeyPEM: String
    /// The SHA-1 thumbprint, upper-case hex.
    package var thumbprintHex: String
}

extension EntraTenant {
    /// Registers a certificate (PEM) on an application, as an administrator uploading its public
    /// part in the portal would.
    package func registerCertificate(clientID: String, certificatePEM: String) throws {
        let certificate = try Certificate(pemEncoded: certificatePEM)
        guard let key = _RSA.Signing.PublicKey(certificate.publicKey) else {
            throw SimulatorError("only RSA certificates can sign client assertions for Entra")
        }
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        let digest = Array(Insecure.SHA1.hash(data: serializer.serializedBytes))
        certificates.register(.init(x5t: Base64URL.encode(digest), thumbprintHex: digest.map { String(format: "%02X", $0) }.joined(),
                                    publicKey: key, notBefore: certificate.notValidBefore, notAfter: certificate.notValidAfter),
                              clientID: clientID)
    }

    /// Makes a self-signed RSA-2048 certificate for an application and registers it.
    package func issueCertificate(for clientID: String, validity: TimeInterval = 365 * 86400) throws -> IssuedClientCertificate {
        let key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let now = Date()
        let name = try DistinguishedName { CommonName("ewscheck client \(clientID.prefix(8))") }
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(validity),
            issuer: name, subject: name, signatureAlgorithm: .sha256WithRSAEncryption,
            extensions: try Certificate.Extensions { Critical(KeyUsage(digitalSignature: true)) },
            issuerPrivateKey: Certificate.PrivateKey(key))
        let pem = try certificate.serializeAsPEM().pemString
        try registerCertificate(clientID: clientID, certificatePEM: pem)
        let thumbprint = certificates.certificates(of: clientID).last?.thumbprintHex ?? ""
        return IssuedClientCertificate(certificatePEM: pem, privateKeyPEM: key.pkcs8PEMRepresentation, thumbprintHex: thumbprint)
    }
}

/// Checks a `client_assertion` (RFC 7523) the way the Microsoft identity platform does, with its
/// AADSTS codes. Verified against public captures: 50027 (no thumbprint), 700023 (audience),
/// 700024 (time range), 700027 (key not found / signature). Inferred: the order of the checks,
/// the wording of 700021, the signature-mismatch text under 700027 (seen under 50013), and the
/// replay answer (no public capture found; the code here is a stand-in, see `replayCode`).
struct ClientAssertionValidator {
    let entra: EntraTenant

    /// What a refused assertion gets.
    struct Refusal: Error {
        var status: Int
        var error: String
        var code: Int
        var text: String
    }

    /// No public capture of Entra refusing a replayed `jti` was found: this code is a stand-in.
    static let replayCode = 7000274

    static let docs = "Review the documentation at https://learn.microsoft.com/entra/identity-platform/certificate-credentials ."

    func validate(_ assertion: String, clientID: String, tenantName: String, host: String?, now: Date = Date()) -> Refusal? {
        func invalid(_ code: Int, _ text: String) -> Refusal { Refusal(status: 401, error: "invalid_client", code: code, text: text) }
        guard let jwt = JSONWebToken(assertion) else {
            return invalid(50027, "JWT token is invalid or malformed.")
        }
        let header = jwt.headerObject
        let claims = jwt.claimsObject
        guard let x5t = header["x5t"] as? String ?? header["kid"] as? String, !x5t.isEmpty else {
            return invalid(50027, "Invalid JWT token. No certificate thumbprint specified in token header.")
        }
        let id = clientID.lowercased()
        guard (claims["iss"] as? String)?.lowercased() == id, (claims["sub"] as? String)?.lowercased() == id else {
            return invalid(700021, "Client assertion application identifier doesn't match 'client_id' parameter. \(Self.docs)")
        }
        guard let aud = claims["aud"] as? String, audienceMatches(aud, tenantName: tenantName, host: host) else {
            return invalid(700023, "Client assertion audience claim does not match Realm issuer. \(Self.docs)")
        }
        let hex = Base64URL.decode(x5t).map { Array($0).map { String(format: "%02X", $0) }.joined() } ?? x5t
        let keyHelp = "Please visit the Azure Portal, Graph Explorer or directly use MS Graph to see configured keys for app Id '\(id)'. Review the documentation at https://docs.microsoft.com/en-us/graph/deployments to determine the corresponding service endpoint and https://docs.microsoft.com/en-us/graph/api/application-get?view=graph-rest-1.0&tabs=http to build a query request URL, such as 'https://graph.microsoft.com/beta/applications/\(id)'"
        guard let registered = entra.certificates.certificates(of: id).first(where: { $0.x5t == x5t }) else {
            return invalid(700027, "Client assertion contains an invalid signature. [Reason - The key was not found., Thumbprint of key used by client: '\(hex)', \(keyHelp)].")
        }
        let signatureOK = header["alg"] as? String == "RS256"
            && registered.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: jwt.signature),
                                                     for: jwt.signingInput, padding: .insecurePKCS1v1_5)
        guard signatureOK else {
            return invalid(700027, "Client assertion contains an invalid signature. [Reason - The provided signature value did not match the expected signature value., Thumbprint of key used by client: '\(hex)', Found key 'Start=\(Self.portalDate(registered.notBefore)), End=\(Self.portalDate(registered.notAfter))', \(keyHelp)].")
        }
        let skew = TimeInterval(entra.clockSkew)
        let exp = (claims["exp"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) }
        let nbf = (claims["nbf"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) }
        guard let exp, now < exp.addingTimeInterval(skew), nbf.map({ now.addingTimeInterval(skew) >= $0 }) ?? true else {
            return invalid(700024, "Client assertion is not within its valid time range. Current time: \(Self.isoTime(now)), assertion valid from \(Self.isoTime(nbf ?? Date(timeIntervalSince1970: 0))), expiry time of assertion \(Self.isoTime(exp ?? Date(timeIntervalSince1970: 0))). \(Self.docs)")
        }
        guard let jti = claims["jti"] as? String, !jti.isEmpty else {
            return invalid(Self.replayCode, "The client assertion has no 'jti' claim; each assertion must carry a unique one.")
        }
        guard entra.certificates.redeem(jti: jti, clientID: id, expiry: exp.addingTimeInterval(skew), now: now) else {
            return invalid(Self.replayCode, "The client assertion with jti '\(jti)' has already been used. Each assertion must carry a unique 'jti'.")
        }
        return nil
    }

    /// `https://login.microsoftonline.com[:port]/{tenant}/oauth2/v2.0/token` (or the v1
    /// `/oauth2/token`), the tenant by id or domain, on the login host or the host asked.
    private func audienceMatches(_ aud: String, tenantName: String, host: String?) -> Bool {
        guard let url = URL(string: aud), url.scheme?.lowercased() == "https", let audHost = url.host?.lowercased() else { return false }
        let hostName = host?.split(separator: ":").first.map { $0.lowercased() }
        guard audHost == ExchangeOnlineHosts.login || audHost == hostName else { return false }
        let parts = url.path.split(separator: "/").map { $0.lowercased() }
        guard parts.count >= 3, entra.isNamed(parts[0]) || parts[0] == tenantName.lowercased() else { return false }
        return Array(parts.dropFirst()) == ["oauth2", "v2.0", "token"] || Array(parts.dropFirst()) == ["oauth2", "token"]
    }

    private static func isoTime(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSS'Z'"
        return f.string(from: date)
    }

    private static func portalDate(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "MM/dd/yyyy HH:mm:ss"
        return f.string(from: date)
    }
}
