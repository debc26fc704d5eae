private import EWSExecutor
import NIOPosix
import _CryptoExtras
import Crypto
import EWSTransport
import Foundation

/// The simulated Entra token service's signing key: RS256 (RSASSA-PKCS1-v1_5 with SHA-256), the
/// algorithm Entra signs access tokens with, and the `kid`/`x5t` that name the key.
struct TokenSigner: Sendable {
    private let key: _RSA.Signing.PrivateKey
    /// `kid` and `x5t`: base64url SHA-1 thumbprint of the public key (Entra uses the certificate's).
    let keyID: String

    init() throws {
        key = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        keyID = Base64URL.encode(Array(Insecure.SHA1.hash(data: key.publicKey.derRepresentation)))
    }

    /// What signing a token is noted as on the blocking executor.
    static let signingWork = "simulator.rsa-signing"

    /// A compact JWS of `claims` with Entra's header fields.
    func sign(claims: [String: Any]) -> String? {
        BlockingExecutor.shared.noteBlockingWork(Self.signingWork, onEventLoop: MultiThreadedEventLoopGroup.currentEventLoop != nil)
        let header: [String: Any] = ["typ": "JWT", "alg": "RS256", "x5t": keyID, "kid": keyID]
        guard let input = JSONWebToken.signingInput(header: header, claims: claims),
              let signature = try? key.signature(for: Data(input.utf8), padding: .insecurePKCS1v1_5)
        else { return nil }
        return input + "." + Base64URL.encode(signature.rawRepresentation)
    }

    /// Whether `token` carries a valid RS256 signature by this key under this key id.
    func verify(_ token: JSONWebToken) -> Bool {
        let header = token.headerObject
        guard header["alg"] as? String == "RS256",
              (header["kid"] as? String ?? header["x5t"] as? String) == keyID else { return false }
        return key.publicKey.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: token.signature),
                                              for: token.signingInput, padding: .insecurePKCS1v1_5)
    }
}
