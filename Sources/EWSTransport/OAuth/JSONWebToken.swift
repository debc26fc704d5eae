import Foundation

/// A compact-serialised JWS (`header.payload.signature`), split and decoded but not verified.
///
/// Shared by the token client (which only reads claims) and the simulator (which signs and
/// verifies); `package` so it never becomes public API.
package struct JSONWebToken: Sendable {
    /// The decoded header JSON.
    package let header: Data
    /// The decoded payload (claims) JSON.
    package let payload: Data
    /// The bytes the signature covers: the first two segments as sent, with their dot.
    package let signingInput: Data
    /// The decoded signature.
    package let signature: Data

    /// Tokens longer than this are refused unread (Entra tokens are 1–3 KB).
    package static let maxLength = 16 * 1024

    /// Splits and decodes `token`; nil when it is not three base64url segments of JSON objects.
    package init?(_ token: String) {
        guard token.utf8.count <= Self.maxLength else { return nil }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3,
              let header = Base64URL.decode(parts[0]), let payload = Base64URL.decode(parts[1]),
              let signature = Base64URL.decode(parts[2]),
              (try? JSONSerialization.jsonObject(with: header)) is [String: Any],
              (try? JSONSerialization.jsonObject(with: payload)) is [String: Any]
        else { return nil }
        self.header = header
        self.payload = payload
        self.signature = signature
        signingInput = Data("\(parts[0]).\(parts[1])".utf8)
    }

    /// The header as a JSON object.
    package var headerObject: [String: Any] { (try? JSONSerialization.jsonObject(with: header)) as? [String: Any] ?? [:] }

    /// The claims as a JSON object.
    package var claimsObject: [String: Any] { (try? JSONSerialization.jsonObject(with: payload)) as? [String: Any] ?? [:] }

    /// The signing input of a new token: `base64url(header).base64url(claims)`.
    package static func signingInput(header: [String: Any], claims: [String: Any]) -> String? {
        guard let h = try? JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes]),
              let c = try? JSONSerialization.data(withJSONObject: claims, options: [.sortedKeys, .withoutEscapingSlashes])
        else { return nil }
        return Base64URL.encode(h) + "." + Base64URL.encode(c)
    }
}

/// Base64url without padding (RFC 7515 §2).
package enum Base64URL {
    /// Encodes bytes.
    package static func encode<D: DataProtocol>(_ data: D) -> String {
        Data(data).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Decodes text; nil when it holds a character outside the alphabet.
    package static func decode<S: StringProtocol>(_ text: S) -> Data? {
        guard text.utf8.allSatisfy({ isAlphabet($0) }) else { return nil }
        var s = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let remainder = s.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { s += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: s)
    }

    private static func isAlphabet(_ c: UInt8) -> Bool {
        (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x2D || c == 0x5F
    }
}
