import Crypto
import Foundation
import SwiftASN1
import X509

/// A throw-away certificate authority made at start-up, and the server certificate it signs for
/// every name the simulator answers to. The CA certificate is written to a file that the harness,
/// curl and exchangelib can trust.
struct CertificateAuthority {
    let caCertificatePEM: String
    let serverCertificatePEM: String
    let serverKeyPEM: String

    /// - Parameter serverNotAfter: ends the server certificate's validity then (an expired certificate
    ///   under a valid CA, for the expired-certificate layout); nil: valid for `validity`.
    init(hostnames: [String], ipAddresses: [[UInt8]], validity: TimeInterval = 30 * 86400, serverNotAfter: Date? = nil) throws {
        let now = Date()
        let caKey = P256.Signing.PrivateKey()
        let caPublic = Certificate.PublicKey(caKey.publicKey)
        let caName = try DistinguishedName {
            OrganizationName("ewscheck")
            CommonName("ewscheck simulator CA \(UUID().uuidString.prefix(8))")
        }
        let caSKI = SubjectKeyIdentifier(hash: caPublic)
        let ca = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: caPublic,
            notValidBefore: now.addingTimeInterval(-3600), notValidAfter: now.addingTimeInterval(validity),
            issuer: caName, subject: caName, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: 0))
                Critical(KeyUsage(keyCertSign: true, cRLSign: true))
                caSKI
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey))

        let serverKey = P256.Signing.PrivateKey()
        let serverPublic = Certificate.PublicKey(serverKey.publicKey)
        let names: [GeneralName] = hostnames.map { GeneralName.dnsName($0) }
            + ipAddresses.map { GeneralName.ipAddress(ASN1OctetString(contentBytes: ArraySlice($0))) }
        let server = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: serverPublic,
            notValidBefore: serverNotAfter?.addingTimeInterval(-30 * 86400) ?? now.addingTimeInterval(-3600),
            notValidAfter: serverNotAfter ?? now.addingTimeInterval(validity),
            issuer: caName,
            subject: try DistinguishedName { CommonName(hostnames.first ?? "localhost") },
            signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.notCertificateAuthority)
                Critical(KeyUsage(digitalSignature: true))
                try ExtendedKeyUsage([.serverAuth])
                SubjectAlternativeNames(names)
                AuthorityKeyIdentifier(keyIdentifier: caSKI.keyIdentifier)
                SubjectKeyIdentifier(hash: serverPublic)
            },
            issuerPrivateKey: Certificate.PrivateKey(caKey))

        caCertificatePEM = try ca.serializeAsPEM().pemString
        serverCertificatePEM = try server.serializeAsPEM().pemString
        serverKeyPEM = serverKey.pemRepresentation
    }
}
