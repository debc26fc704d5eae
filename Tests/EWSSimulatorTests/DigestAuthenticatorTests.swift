@testable import EWSSimulator
import Foundation
import Testing

/// The simulator's HTTP Digest (RFC 7616): the RFC's own example, nonce tracking, replays.
@Suite("Digest authenticator (RFC 7616)")
struct DigestAuthenticatorTests {
    /// RFC 7616 §3.9.1: Mufasa / "Circle of Life", GET /dir/index.html.
    @Test("the RFC 7616 §3.9.1 example responses come out for MD5 and SHA-256", arguments: [
        ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
        ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
    ])
    func rfcExample(algorithm: String, expected: String) {
        let ha1 = DigestAuthenticator.hash(algorithm, "Mufasa:http-auth@example.org:Circle of Life")
        let ha2 = DigestAuthenticator.hash(algorithm, "GET:/dir/index.html")
        let nonce = "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
        let cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
        #expect(DigestAuthenticator.hash(algorithm, "\(ha1):\(nonce):00000001:\(cnonce):auth:\(ha2)") == expected)
    }

    /// A client answer to the first challenge of `digest`.
    static func answer(_ digest: DigestAuthenticator, challenge: String, password: String, nc: String = "00000001",
                       uri: String = "/EWS/Exchange.asmx", method: String = "POST") -> String {
        let p = DigestAuthenticator.parse(String(challenge.dropFirst("Digest ".count)))
        let algorithm = p["algorithm"] ?? "MD5"
        let cnonce = "0a4f113b"
        let ha1 = DigestAuthenticator.hash(algorithm, "svc@contoso.com:\(p["realm"] ?? ""):\(password)")
        let ha2 = DigestAuthenticator.hash(algorithm, "\(method):\(uri)")
        let response = DigestAuthenticator.hash(algorithm, "\(ha1):\(p["nonce"] ?? ""):\(nc):\(cnonce):auth:\(ha2)")
        return #"username="svc@contoso.com", realm="\#(p["realm"] ?? "")", nonce="\#(p["nonce"] ?? "")", uri="\#(uri)", algorithm=\#(algorithm), response="\#(response)", qop=auth, nc=\#(nc), cnonce="\#(cnonce)", opaque="\#(p["opaque"] ?? "")""#
    }

    @Test("a right answer authenticates; the same nonce count again is a replay; a wrong password, an unknown nonce and a stale one are refused")
    func nonceTracking() throws {
        let digest = DigestAuthenticator(algorithms: ["SHA-256", "MD5"], realm: "mail.contoso.com", nonceLifetime: 60)
        let challenges = digest.challenges()
        #expect(challenges.count == 2)
        #expect(challenges[0].contains("algorithm=SHA-256") && challenges[0].contains(#"qop="auth""#))
        let password: (String) -> String? = { $0 == "svc@contoso.com" ? "Pa55-word" : nil }
        let good = Self.answer(digest, challenge: challenges[0], password: "Pa55-word")
        #expect(digest.verify(good, method: "POST", requestURI: "/EWS/Exchange.asmx", password: password) == .authenticated(user: "svc@contoso.com"))
        guard case .refused(let reason) = digest.verify(good, method: "POST", requestURI: "/EWS/Exchange.asmx", password: password) else {
            Issue.record("a replayed nonce count was accepted")
            return
        }
        #expect(reason.contains("replayed"))
        let next = Self.answer(digest, challenge: challenges[0], password: "Pa55-word", nc: "00000002")
        #expect(digest.verify(next, method: "POST", requestURI: "/EWS/Exchange.asmx", password: password) == .authenticated(user: "svc@contoso.com"))
        let md5 = Self.answer(digest, challenge: challenges[1], password: "wrong")
        #expect(digest.verify(md5, method: "POST", requestURI: "/EWS/Exchange.asmx", password: password) == .refused(reason: "wrong response (password)"))
        let forged = good.replacingOccurrences(of: "nonce=\"", with: "nonce=\"x")
        #expect(digest.verify(forged, method: "POST", requestURI: "/EWS/Exchange.asmx", password: password) == .refused(reason: "unknown nonce"))
        let late = Self.answer(digest, challenge: challenges[1], password: "Pa55-word")
        #expect(digest.verify(late, method: "POST", requestURI: "/EWS/Exchange.asmx", now: Date().addingTimeInterval(120), password: password) == .stale)
        #expect(digest.verify(good.replacingOccurrences(of: "/EWS/Exchange.asmx", with: "/other"), method: "POST",
                              requestURI: "/EWS/Exchange.asmx", password: password) == .refused(reason: "uri does not match the request"))
    }
}
