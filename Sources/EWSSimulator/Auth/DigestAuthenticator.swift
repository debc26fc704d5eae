import Crypto
private import EWSExecutor
import Foundation
import Synchronization

/// HTTP Digest (RFC 7616) as IIS offers it: `qop=auth`, MD5 or SHA-256, server nonces that expire
/// and a nonce count that must rise with every request (a replayed `nc` is refused).
final class DigestAuthenticator: Sendable {
    /// The algorithms offered, in challenge order (libcurl answers the first Digest challenge).
    let algorithms: [String]
    let realm: String
    /// How long a nonce is good for; an older one is refused with `stale=true`.
    let nonceLifetime: TimeInterval

    private struct NonceState {
        var issued: Date
        var algorithm: String
        var lastCount: Int
    }

    private let nonces = Mutex<[String: NonceState]>([:])
    private let opaque = UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()

    /// The algorithms this simulator implements.
    static let supported = ["SHA-256", "MD5"]

    init(algorithms: [String], realm: String, nonceLifetime: TimeInterval = 300) {
        self.algorithms = algorithms.filter { Self.supported.contains($0.uppercased()) }.map { $0.uppercased() }
        self.realm = realm
        self.nonceLifetime = nonceLifetime
    }

    /// Fresh `WWW-Authenticate: Digest …` challenges, one per algorithm.
    func challenges(stale: Bool = false, now: Date = Date()) -> [String] {
        algorithms.map { algorithm in
            var bytes = [UInt8](repeating: 0, count: 24)
            for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255) }
            let nonce = Data(bytes).base64EncodedString()
            nonces.locked { table in
                if table.count > 10_000 { table = table.filter { now.timeIntervalSince($0.value.issued) < nonceLifetime } }
                table[nonce] = NonceState(issued: now, algorithm: algorithm, lastCount: 0)
            }
            return #"Digest realm="\#(realm)", qop="auth", algorithm=\#(algorithm), nonce="\#(nonce)", opaque="\#(opaque)""#
                + (stale ? ", stale=true" : "")
        }
    }

    /// The outcome of one `Authorization: Digest …` header.
    enum Decision: Equatable {
        /// The response is right for this account name.
        case authenticated(user: String)
        /// Wrong response, unknown nonce, replayed count or a malformed header.
        case refused(reason: String)
        /// A nonce that was ours but is too old: challenge again with `stale=true`.
        case stale
    }

    /// Checks the header's parameters against the password `password(for:)` gives.
    func verify(_ parameters: String, method: String, requestURI: String, now: Date = Date(),
                password: (String) -> String?) -> Decision {
        let p = Self.parse(parameters)
        guard let username = p["username"], let realm = p["realm"], let nonce = p["nonce"], let uri = p["uri"],
              let response = p["response"] else { return .refused(reason: "missing Digest parameters") }
        guard realm == self.realm else { return .refused(reason: "wrong realm") }
        guard uri == requestURI else { return .refused(reason: "uri does not match the request") }
        guard p["qop"] == "auth", let ncText = p["nc"], let count = Int(ncText, radix: 16), let cnonce = p["cnonce"] else {
            return .refused(reason: "qop=auth with nc and cnonce is required")
        }
        let algorithm = (p["algorithm"] ?? "MD5").uppercased()
        guard p["opaque"] == nil || p["opaque"] == opaque else { return .refused(reason: "wrong opaque") }
        // Claim the count before checking the response, so two requests racing on one nc cannot both win.
        let state: NonceState? = nonces.locked { table in
            guard var s = table[nonce] else { return nil }
            if now.timeIntervalSince(s.issued) > nonceLifetime || count <= s.lastCount { return s }
            s.lastCount = count
            table[nonce] = s
            return NonceState(issued: s.issued, algorithm: s.algorithm, lastCount: -1)
        }
        guard let state else { return .refused(reason: "unknown nonce") }
        guard state.lastCount == -1 else {
            return now.timeIntervalSince(state.issued) > nonceLifetime ? .stale : .refused(reason: "nonce count \(ncText) replayed")
        }
        guard algorithm == state.algorithm else { return .refused(reason: "algorithm differs from the challenge's") }
        guard let secret = password(username) else { return .refused(reason: "unknown user") }
        let ha1 = Self.hash(algorithm, "\(username):\(realm):\(secret)")
        let ha2 = Self.hash(algorithm, "\(method):\(uri)")
        let expected = Self.hash(algorithm, "\(ha1):\(nonce):\(ncText):\(cnonce):auth:\(ha2)")
        guard expected.utf8.count == response.utf8.count,
              zip(expected.utf8, response.lowercased().utf8).reduce(0, { $0 | ($1.0 ^ $1.1) }) == 0 else {
            return .refused(reason: "wrong response (password)")
        }
        return .authenticated(user: username)
    }

    static func hash(_ algorithm: String, _ text: String) -> String {
        let data = Data(text.utf8)
        let digest: [UInt8] = algorithm == "SHA-256" ? Array(SHA256.hash(data: data)) : Array(Insecure.MD5.hash(data: data))
        return digest.map { String(format: "%02x", $0) }.joined()
    }

    /// `key=value, key="quoted, value"` pairs (RFC 7616 §3.4), keys lower-cased.
    static func parse(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        var i = text.startIndex
        func skip(_ chars: Set<Character>) { while i < text.endIndex, chars.contains(text[i]) { i = text.index(after: i) } }
        while i < text.endIndex {
            skip([" ", ",", "\t"])
            let keyStart = i
            while i < text.endIndex, text[i] != "=" { i = text.index(after: i) }
            guard i < text.endIndex else { break }
            let key = text[keyStart..<i].trimmingCharacters(in: .whitespaces).lowercased()
            i = text.index(after: i)
            var value = ""
            if i < text.endIndex, text[i] == "\"" {
                i = text.index(after: i)
                while i < text.endIndex, text[i] != "\"" {
                    if text[i] == "\\", text.index(after: i) < text.endIndex { i = text.index(after: i) }
                    value.append(text[i])
                    i = text.index(after: i)
                }
                if i < text.endIndex { i = text.index(after: i) }
            } else {
                while i < text.endIndex, text[i] != "," { value.append(text[i]); i = text.index(after: i) }
                value = value.trimmingCharacters(in: .whitespaces)
            }
            if !key.isEmpty, result[key] == nil { result[key] = value }
        }
        return result
    }
}
