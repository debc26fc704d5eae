import EWSExecutor
import Foundation
import Synchronization
import Testing

@testable import EWSSimulator
import EWSTestSupport

// MARK: - Helpers

private func hex(_ string: String) -> [UInt8] {
    let digits = Array(string.filter { !$0.isWhitespace })
    var out: [UInt8] = []
    var index = 0
    while index + 1 < digits.count {
        out.append(UInt8(String(digits[index...index + 1]), radix: 16) ?? 0)
        index += 2
    }
    return out
}

private func hexString(_ bytes: [UInt8]) -> String {
    bytes.map { String(format: "%02x", $0) }.joined()
}

private func utf16LE(_ string: String) -> [UInt8] {
    string.utf16.flatMap { [UInt8(truncatingIfNeeded: $0), UInt8(truncatingIfNeeded: $0 >> 8)] }
}

private func le16(_ value: Int) -> [UInt8] {
    [UInt8(truncatingIfNeeded: value), UInt8(truncatingIfNeeded: value >> 8)]
}

private func le32(_ value: Int) -> [UInt8] {
    le16(value) + le16(value >> 16)
}

private func readLE16(_ bytes: [UInt8], _ offset: Int) -> Int {
    Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
}

private func readLE32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
    UInt32(readLE16(bytes, offset)) | UInt32(readLE16(bytes, offset + 2)) << 16
}

private func field(_ bytes: [UInt8], descriptorAt offset: Int) -> [UInt8] {
    let length = readLE16(bytes, offset)
    let start = Int(readLE32(bytes, offset + 4))
    return Array(bytes[start..<(start + length)])
}

private func reason(_ step: NTLMServerContext.Step) -> String? {
    if case .rejected(let reason) = step { return reason }
    return nil
}

private func challengeBytes(_ step: NTLMServerContext.Step) -> [UInt8]? {
    if case .challenge(let bytes) = step { return bytes }
    return nil
}

private let serverNames = NTLMServerContext.ServerNames(
    netbiosDomain: "CONTOSO", dnsDomain: "contoso.test",
    netbiosComputer: "EXCH01", dnsComputer: "exch01.contoso.test")

private let fixedChallenge: [UInt8] = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef]
// 2024-01-02T03:04:05Z
private let fixedDate = Date(timeIntervalSince1970: 1_704_164_645)

private func makeContext() -> NTLMServerContext {
    NTLMServerContext(names: serverNames, challengeSource: { fixedChallenge }, clock: { fixedDate })
}

/// The accounts the simulated directory knows.
private func directory(_ user: String, _ domain: String) -> String? {
    switch (user.lowercased(), domain.uppercased()) {
    case ("alice", "CONTOSO"), ("alice", ""): return "Secr3t!pw"
    case ("User".lowercased(), "DOMAIN"): return "Password"
    case ("jürgen", "CONTOSO"): return "pässwört"
    default: return nil
    }
}

/// A small NTLM client written for these tests from MS-NLMP §3.1.5 and §3.3.2, so the acceptor is
/// fed messages built the way a real client builds them. `unicode: true` behaves like pyspnego or
/// Windows (UNICODE, VERSION, a zeroed MIC slot); `unicode: false` like libcurl (OEM strings, the
/// bare 64-byte AUTHENTICATE header).
private struct TestNTLMClient {
    var user: String
    var domain: String
    var password: String
    var workstation = "WS042"
    var unicode = true
    var clientChallenge: [UInt8] = [0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa]

    var negotiateFlags: UInt32 {
        unicode
            // UNICODE|OEM|REQUEST_TARGET|SIGN|SEAL|NTLM|ALWAYS_SIGN|ESS|TARGET_INFO|VERSION|128|KEY_EXCH|56
            ? 0xe288_8235 | 0x0000_0002 | 0x0000_0004
            // OEM|REQUEST_TARGET|NTLM|ALWAYS_SIGN|ESS: what libcurl 7.x sends
            : 0x0008_8206
    }

    func negotiate() -> [UInt8] {
        var out = Array("NTLMSSP\0".utf8) + le32(1) + le32(Int(negotiateFlags))
        out += le16(0) + le16(0) + le32(0)  // DomainName
        out += le16(0) + le16(0) + le32(0)  // Workstation
        if unicode { out += [10, 0] + le16(19041) + [0, 0, 0, 0x0f] }
        return out
    }

    func encode(_ string: String) -> [UInt8] {
        unicode ? utf16LE(string) : Array(string.utf8)
    }

    /// NTOWFv2 composed here rather than through `NTLMv2.ntowfv2`, so a bug there cannot cancel
    /// itself out. Only the primitives (MD4, HMAC-MD5) are shared, and the RFC 1320 and
    /// MS-NLMP §4.2.4 vectors below pin those. (The EWSSimulatorTests target does not depend on
    /// swift-crypto directly, so the test does not import it.)
    func responseKey() -> [UInt8] {
        let ntHash = MD4.hash(utf16LE(password))
        return NTLMv2.hmacMD5(key: ntHash, data: utf16LE(user.uppercased() + domain))
    }

    /// The NTLMv2 NtChallengeResponse for a CHALLENGE message, echoing its target info and
    /// timestamp as MS-NLMP §3.1.5.1.2 requires.
    func ntlmv2Response(to challenge: [UInt8]) -> [UInt8] {
        let serverChallenge = Array(challenge[24..<32])
        let targetInfo = field(challenge, descriptorAt: 40)
        var timestamp = [UInt8](repeating: 0, count: 8)
        var offset = 0
        while offset + 4 <= targetInfo.count {
            let id = readLE16(targetInfo, offset)
            let length = readLE16(targetInfo, offset + 2)
            if id == 7, length == 8 { timestamp = Array(targetInfo[(offset + 4)..<(offset + 12)]) }
            if id == 0 { break }
            offset += 4 + length
        }
        let temp = [1, 1, 0, 0, 0, 0, 0, 0] + timestamp + clientChallenge + [0, 0, 0, 0] + targetInfo + [0, 0, 0, 0]
        let proof = NTLMv2.hmacMD5(key: responseKey(), data: serverChallenge + temp)
        return proof + temp
    }

    func authenticate(to challenge: [UInt8]) -> [UInt8] {
        // With MsvAvTimestamp present the LM response is Z(24) (§3.1.5.1.2).
        authenticateMessage(
            lm: [UInt8](repeating: 0, count: 24), nt: ntlmv2Response(to: challenge),
            domain: encode(domain), user: encode(user), workstation: encode(workstation),
            flags: readLE32(challenge, 20), withVersionAndMIC: unicode)
    }
}

/// Assembles an AUTHENTICATE message from raw fields, payload in the order Windows uses.
private func authenticateMessage(
    lm: [UInt8], nt: [UInt8], domain: [UInt8], user: [UInt8], workstation: [UInt8],
    sessionKey: [UInt8] = [], flags: UInt32 = 0xe288_8235, withVersionAndMIC: Bool = true
) -> [UInt8] {
    let headerLength = withVersionAndMIC ? 88 : 64
    var payload: [UInt8] = []
    func add(_ bytes: [UInt8]) -> [UInt8] {
        let descriptor = le16(bytes.count) + le16(bytes.count) + le32(headerLength + payload.count)
        payload += bytes
        return descriptor
    }
    let domainD = add(domain), userD = add(user), workstationD = add(workstation)
    let lmD = add(lm), ntD = add(nt), keyD = add(sessionKey)
    var out = Array("NTLMSSP\0".utf8) + le32(3)
    for descriptor in [lmD, ntD, domainD, userD, workstationD, keyD] { out += descriptor }
    out += le32(Int(flags))
    if withVersionAndMIC {
        out += [10, 0] + le16(19041) + [0, 0, 0, 0x0f]
        out += [UInt8](repeating: 0, count: 16)
    }
    return out + payload
}

// MARK: - MD4

@Suite("MD4 (RFC 1320)")
struct MD4Tests {
    @Test(
        "RFC 1320 appendix A.5 test suite",
        arguments: [
            ("", "31d6cfe0d16ae931b73c59d7e0c089c0"),
            ("a", "bde52cb31de33e46245e05fbdbd6fb24"),
            ("abc", "a448017aaf21d8525fc10ae87aa6729d"),
            ("message digest", "d9130a8164549fe818874806e1c7014b"),
            ("abcdefghijklmnopqrstuvwxyz", "d79e1c308aa5bbcdeea8ed63df412da9"),
            (
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
                "043f8582f241db351ce627e153e7f0e4"
            ),
            (
                "12345678901234567890123456789012345678901234567890123456789012345678901234567890",
                "e33b4ddc9c38f2199c3e7b164fcc0536"
            ),
        ])
    func rfcVectors(input: String, digest: String) {
        #expect(hexString(MD4.hash(Array(input.utf8))) == digest)
    }

    @Test("Padding boundaries around 55, 56 and 64 bytes produce 16-byte digests that differ")
    func paddingBoundaries() {
        var seen = Set<String>()
        for length in [55, 56, 57, 63, 64, 65, 119, 120, 128] {
            let digest = MD4.hash([UInt8](repeating: 0x61, count: length))
            #expect(digest.count == 16)
            seen.insert(hexString(digest))
        }
        #expect(seen.count == 9)
    }
}

// MARK: - MS-NLMP §4.2.4 values

@Suite("NTLMv2 computations (MS-NLMP §4.2.4)")
struct NTLMv2VectorTests {
    @Test("NTOWFv1 of \"Password\" (§4.2.2.1.2)")
    func ntowfv1() {
        #expect(hexString(NTLMv2.ntowfv1(password: "Password")) == "a4f49c406510bdcab6824ee7c30fd852")
    }

    @Test("NTOWFv2 for User / Domain / Password (§4.2.4.1.1)")
    func ntowfv2() {
        let key = NTLMv2.ntowfv2(password: "Password", user: "User", domain: "Domain")
        #expect(hexString(key) == "0c868a403bfd7a93a3001ef22ef02e3f")
        // Only the user name is case-folded.
        #expect(NTLMv2.ntowfv2(password: "Password", user: "user", domain: "Domain") == key)
        #expect(NTLMv2.ntowfv2(password: "Password", user: "User", domain: "DOMAIN") != key)
    }

    @Test("NTProofStr over the §4.2.4 temp blob (§4.2.4.2.2)")
    func ntProofStr() {
        let blob = hex(
            """
            0101000000000000 0000000000000000 aaaaaaaaaaaaaaaa 00000000
            02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000
            00000000
            """)
        let proof = NTLMv2.ntProofStr(
            responseKeyNT: hex("0c868a403bfd7a93a3001ef22ef02e3f"),
            serverChallenge: hex("0123456789abcdef"), blob: blob)
        #expect(hexString(proof) == "68cd0ab851e51c96aabc927bebef6a1c")
    }

    @Test("The §4.2.4.3 AUTHENTICATE_MESSAGE is accepted for challenge 0123456789abcdef")
    func specAuthenticateMessage() {
        let message = hex(
            """
            4e544c4d53535000 03000000 18001800 6c000000 54005400 84000000 0c000c00 48000000
            08000800 54000000 10001000 5c000000 10001000 d8000000 358288e2 0501280a0000000f
            44006f006d00610069006e00 5500730065007200 43004f004d0050005500540045005200
            86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa
            68cd0ab851e51c96aabc927bebef6a1c
            0101000000000000 0000000000000000 aaaaaaaaaaaaaaaa 00000000
            02000c0044006f006d00610069006e00 01000c00530065007200760065007200 00000000
            00000000
            c5dad2544fc9799094ce1ce90bc9d03e
            """)
        #expect(message.count == 0xe8)
        var context = makeContext()
        let client = TestNTLMClient(user: "User", domain: "Domain", password: "Password")
        #expect(challengeBytes(context.step(token: client.negotiate(), password: directory)) != nil)
        let step = context.step(token: message) { user, domain in
            user == "User" && domain == "Domain" ? "Password" : nil
        }
        #expect(step == .authenticated(NTLMIdentity(user: "User", domain: "Domain", workstation: "COMPUTER")))
    }

    @Test("Constant-time comparison")
    func constantTimeEqual() {
        #expect(NTLMv2.constantTimeEqual([1, 2, 3], [1, 2, 3]))
        #expect(!NTLMv2.constantTimeEqual([1, 2, 3], [1, 2, 4]))
        #expect(!NTLMv2.constantTimeEqual([1, 2, 3], [1, 2]))
        #expect(NTLMv2.constantTimeEqual([], []))
    }
}

// MARK: - CHALLENGE message

@Suite("CHALLENGE message")
struct NTLMChallengeMessageTests {
    private struct Parsed {
        var flags: UInt32
        var targetName: [UInt8]
        var serverChallenge: [UInt8]
        var avPairs: [(UInt16, [UInt8])]
        var version: [UInt8]
    }

    private func parse(_ bytes: [UInt8]) -> Parsed? {
        guard bytes.count >= 56, bytes.starts(with: Array("NTLMSSP\0".utf8)), readLE32(bytes, 8) == 2 else {
            return nil
        }
        let info = field(bytes, descriptorAt: 40)
        var pairs: [(UInt16, [UInt8])] = []
        var offset = 0
        while offset + 4 <= info.count {
            let id = UInt16(readLE16(info, offset))
            let length = readLE16(info, offset + 2)
            guard offset + 4 + length <= info.count else { return nil }
            pairs.append((id, Array(info[(offset + 4)..<(offset + 4 + length)])))
            offset += 4 + length
            if id == 0 { break }
        }
        return Parsed(
            flags: readLE32(bytes, 20), targetName: field(bytes, descriptorAt: 12),
            serverChallenge: Array(bytes[24..<32]), avPairs: pairs, version: Array(bytes[48..<56]))
    }

    @Test("A UNICODE client gets UNICODE strings, its requested options echoed and full target info")
    func unicodeClient() throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "x")
        let bytes = try #require(challengeBytes(context.step(token: client.negotiate(), password: directory)))
        let parsed = try #require(parse(bytes))

        let flags = NTLMNegotiateFlags(rawValue: parsed.flags)
        #expect(flags.contains([.unicode, .ntlm, .targetInfo, .targetTypeDomain, .alwaysSign, .version]))
        #expect(flags.contains([.extendedSessionSecurity, .negotiate128, .negotiate56, .keyExchange]))
        #expect(!flags.contains(.oem))
        #expect(!flags.contains(.targetTypeServer))
        #expect(!flags.contains(.lmKey))
        #expect(parsed.targetName == utf16LE("CONTOSO"))
        #expect(parsed.serverChallenge == fixedChallenge)
        // 10.0 build 17763, NTLMSSP_REVISION_W2K3.
        #expect(parsed.version == [10, 0, 0x63, 0x45, 0, 0, 0, 0x0f])

        #expect(parsed.avPairs.map(\.0) == [2, 1, 4, 3, 7, 0])
        #expect(parsed.avPairs[0].1 == utf16LE("CONTOSO"))
        #expect(parsed.avPairs[1].1 == utf16LE("EXCH01"))
        #expect(parsed.avPairs[2].1 == utf16LE("contoso.test"))
        #expect(parsed.avPairs[3].1 == utf16LE("exch01.contoso.test"))
        #expect(parsed.avPairs[5].1.isEmpty)
        // FILETIME: 100 ns ticks since 1601-01-01.
        let expectedTicks = UInt64(1_704_164_645) * 10_000_000 + 116_444_736_000_000_000
        let timestamp = parsed.avPairs[4].1
        #expect(timestamp.count == 8)
        let ticks = timestamp.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }
        #expect(ticks == expectedTicks)
    }

    @Test("An OEM-only client (libcurl) gets OEM strings and no UNICODE flag")
    func oemClient() throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "x", unicode: false)
        let bytes = try #require(challengeBytes(context.step(token: client.negotiate(), password: directory)))
        let parsed = try #require(parse(bytes))
        let flags = NTLMNegotiateFlags(rawValue: parsed.flags)
        #expect(flags.contains([.oem, .ntlm, .targetInfo, .targetTypeDomain, .alwaysSign, .extendedSessionSecurity]))
        #expect(!flags.contains(.unicode))
        #expect(!flags.contains(.keyExchange))
        #expect(!flags.contains(.negotiate128))
        #expect(parsed.targetName == Array("CONTOSO".utf8))
        // Target info stays UTF-16LE whatever the string encoding.
        #expect(parsed.avPairs.first?.1 == utf16LE("CONTOSO"))
    }

    @Test("A minimal 16-byte NEGOTIATE (signature, type, flags) still gets a CHALLENGE")
    func minimalNegotiate() {
        var context = makeContext()
        let token = Array("NTLMSSP\0".utf8) + le32(1) + le32(0x0000_0207)
        #expect(challengeBytes(context.step(token: token, password: directory)) != nil)
    }

    @Test("Default challenge source gives fresh 8-byte challenges")
    func randomChallenges() throws {
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "x")
        var seen = Set<[UInt8]>()
        for _ in 0..<8 {
            var context = NTLMServerContext(names: serverNames)
            let bytes = try #require(challengeBytes(context.step(token: client.negotiate(), password: directory)))
            seen.insert(Array(bytes[24..<32]))
        }
        #expect(seen.count == 8)
    }
}

// MARK: - Handshakes

@Suite("NTLM handshakes")
struct NTLMHandshakeTests {
    private func handshake(
        _ client: TestNTLMClient, context: inout NTLMServerContext,
        password: (String, String) -> String? = directory
    ) throws -> NTLMServerContext.Step {
        let challenge = try #require(challengeBytes(context.step(token: client.negotiate(), password: password)))
        return context.step(token: client.authenticate(to: challenge), password: password)
    }

    @Test("Full handshake authenticates, UNICODE (pyspnego-like) and OEM (libcurl-like)", arguments: [true, false])
    func fullHandshake(unicode: Bool) throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "Secr3t!pw", unicode: unicode)
        let step = try handshake(client, context: &context)
        #expect(step == .authenticated(NTLMIdentity(user: "alice", domain: "CONTOSO", workstation: "WS042")))
    }

    @Test("Names reach the password lookup and the identity exactly as the client spelled them")
    func namesAsSent() throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "ALICE", domain: "contoso", password: "Secr3t!pw")
        var asked: [String] = []
        let step = try handshake(client, context: &context) { user, domain in
            asked.append("\(domain)\\\(user)")
            return directory(user, domain)
        }
        #expect(step == .authenticated(NTLMIdentity(user: "ALICE", domain: "contoso", workstation: "WS042")))
        #expect(asked == ["contoso\\ALICE"])
    }

    @Test("Non-ASCII user and password over UNICODE")
    func nonASCII() throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "Jürgen", domain: "CONTOSO", password: "pässwört")
        #expect(try handshake(client, context: &context) == .authenticated(
            NTLMIdentity(user: "Jürgen", domain: "CONTOSO", workstation: "WS042")))
    }

    @Test("Empty domain (user@host style) authenticates")
    func emptyDomain() throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "alice", domain: "", password: "Secr3t!pw")
        #expect(try handshake(client, context: &context) == .authenticated(
            NTLMIdentity(user: "alice", domain: "", workstation: "WS042")))
    }

    @Test("Wrong password is rejected without echoing the password", arguments: [true, false])
    func wrongPassword(unicode: Bool) throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "guess-123", unicode: unicode)
        let why = try #require(reason(try handshake(client, context: &context)))
        #expect(why == "wrong password for CONTOSO\\alice")
        #expect(!why.contains("guess-123"))
        #expect(!why.contains("Secr3t!pw"))
    }

    @Test("Unknown user is rejected")
    func unknownUser() throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "mallory", domain: "CONTOSO", password: "whatever")
        let why = try #require(reason(try handshake(client, context: &context)))
        #expect(why.hasPrefix("unknown user"))
        #expect(why.contains("CONTOSO\\mallory"))
    }

    @Test("A response computed for another server challenge is rejected")
    func wrongChallenge() throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "Secr3t!pw")
        var challenge = try #require(challengeBytes(context.step(token: client.negotiate(), password: directory)))
        challenge[24] ^= 0xff
        let why = reason(context.step(token: client.authenticate(to: challenge), password: directory))
        #expect(why == "wrong password for CONTOSO\\alice")
    }

    @Test("A tampered blob is rejected")
    func tamperedBlob() throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "Secr3t!pw")
        let challenge = try #require(challengeBytes(context.step(token: client.negotiate(), password: directory)))
        var token = client.authenticate(to: challenge)
        token[token.count - 5] ^= 0x01  // inside the echoed target info
        #expect(reason(context.step(token: token, password: directory)) == "wrong password for CONTOSO\\alice")
    }

    @Test("A 24-byte NTLMv1 / NTLM2-session response is rejected")
    func ntlmv1() throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "Secr3t!pw")
        _ = try #require(challengeBytes(context.step(token: client.negotiate(), password: directory)))
        let token = authenticateMessage(
            lm: [UInt8](repeating: 0x11, count: 24), nt: [UInt8](repeating: 0x22, count: 24),
            domain: utf16LE("CONTOSO"), user: utf16LE("alice"), workstation: utf16LE("WS042"))
        var asked = false
        let step = context.step(token: token) { _, _ in
            asked = true
            return "Secr3t!pw"
        }
        #expect(step == .rejected("NTLMv1 is not accepted; NTLMv2 is required"))
        #expect(!asked)
    }

    @Test("LM-only and too-short NT responses are rejected", arguments: [0, 16, 43])
    func shortResponses(length: Int) throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "Secr3t!pw")
        _ = try #require(challengeBytes(context.step(token: client.negotiate(), password: directory)))
        let token = authenticateMessage(
            lm: [UInt8](repeating: 0x11, count: 24), nt: [UInt8](repeating: 0x22, count: length),
            domain: utf16LE("CONTOSO"), user: utf16LE("alice"), workstation: [])
        let why = try #require(reason(context.step(token: token, password: directory)))
        #expect(why.contains("NTLMv2 is required") || why.contains("shorter than"))
    }

    @Test("Anonymous AUTHENTICATE is rejected")
    func anonymous() throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "Secr3t!pw")
        _ = try #require(challengeBytes(context.step(token: client.negotiate(), password: directory)))
        let token = authenticateMessage(lm: [0], nt: [], domain: [], user: [], workstation: [], flags: 0xe288_8a35)
        #expect(
            reason(context.step(token: token, password: directory)) == "anonymous NTLM authentication is not accepted")
    }

    @Test("AUTHENTICATE before any CHALLENGE is rejected")
    func authenticateFirst() throws {
        // Build a valid AUTHENTICATE against one context, present it to a fresh one.
        var other = makeContext()
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "Secr3t!pw")
        let challenge = try #require(challengeBytes(other.step(token: client.negotiate(), password: directory)))
        var context = makeContext()
        let why = try #require(reason(context.step(token: client.authenticate(to: challenge), password: directory)))
        #expect(why.contains("before any CHALLENGE"))
    }

    @Test("A CHALLENGE sent by the client is refused")
    func clientSendsChallenge() throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "Secr3t!pw")
        let challenge = try #require(challengeBytes(context.step(token: client.negotiate(), password: directory)))
        var fresh = makeContext()
        #expect(reason(fresh.step(token: challenge, password: directory)) != nil)
    }

    @Test("A context completes once; a new NEGOTIATE starts over")
    func completesOnce() throws {
        var context = makeContext()
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "Secr3t!pw")
        let challenge = try #require(challengeBytes(context.step(token: client.negotiate(), password: directory)))
        let token = client.authenticate(to: challenge)
        #expect(context.step(token: token, password: directory) == .authenticated(
            NTLMIdentity(user: "alice", domain: "CONTOSO", workstation: "WS042")))
        // Replaying the same AUTHENTICATE on the finished context is refused.
        let why = try #require(reason(context.step(token: token, password: directory)))
        #expect(why.contains("new NEGOTIATE"))

        // After a rejection too.
        var failing = makeContext()
        let bad = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "nope")
        let badChallenge = try #require(challengeBytes(failing.step(token: bad.negotiate(), password: directory)))
        #expect(reason(failing.step(token: bad.authenticate(to: badChallenge), password: directory)) != nil)
        #expect(reason(failing.step(token: client.authenticate(to: badChallenge), password: directory)) != nil)
        let again = try #require(challengeBytes(failing.step(token: client.negotiate(), password: directory)))
        #expect(failing.step(token: client.authenticate(to: again), password: directory) == .authenticated(
            NTLMIdentity(user: "alice", domain: "CONTOSO", workstation: "WS042")))
    }

    @Test("A second NEGOTIATE replaces the outstanding challenge")
    func renegotiate() throws {
        let counter = ChallengeCounter()
        var context = NTLMServerContext(names: serverNames, challengeSource: { counter.next() }, clock: { fixedDate })
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "Secr3t!pw")
        let first = try #require(challengeBytes(context.step(token: client.negotiate(), password: directory)))
        let second = try #require(challengeBytes(context.step(token: client.negotiate(), password: directory)))
        #expect(first[24..<32] != second[24..<32])
        #expect(reason(context.step(token: client.authenticate(to: first), password: directory)) != nil)

        var again = NTLMServerContext(names: serverNames, challengeSource: { counter.next() }, clock: { fixedDate })
        _ = again.step(token: client.negotiate(), password: directory)
        let latest = try #require(challengeBytes(again.step(token: client.negotiate(), password: directory)))
        #expect(again.step(token: client.authenticate(to: latest), password: directory) == .authenticated(
            NTLMIdentity(user: "alice", domain: "CONTOSO", workstation: "WS042")))
    }

    @Test("A misbehaving challenge source is reported, not trapped on")
    func badChallengeSource() {
        var context = NTLMServerContext(names: serverNames, challengeSource: { [1, 2, 3] }, clock: { fixedDate })
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "x")
        #expect(reason(context.step(token: client.negotiate(), password: directory))?.contains("misconfigured") == true)
    }
}

/// Hands out distinct challenges; state behind a Mutex because the source closure is @Sendable.
private final class ChallengeCounter: Sendable {
    private let value = Mutex<UInt8>(0)
    func next() -> [UInt8] {
        value.locked { v in
            v &+= 1
            return [UInt8](repeating: v, count: 8)
        }
    }
}

// MARK: - Hostile input

@Suite("Hostile NTLM tokens")
struct NTLMHostileInputTests {
    private func challengedContext() -> (NTLMServerContext, [UInt8]) {
        var context = makeContext()
        let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "Secr3t!pw")
        let challenge = challengeBytes(context.step(token: client.negotiate(), password: directory)) ?? []
        return (context, challenge)
    }

    @Test("Oversized tokens are rejected before parsing")
    func oversized() {
        var context = makeContext()
        let token = Array("NTLMSSP\0".utf8) + le32(1) + [UInt8](repeating: 0, count: 64 * 1024)
        let why = reason(context.step(token: token, password: directory))
        #expect(why?.contains("exceeds") == true)

        var (challenged, _) = challengedContext()
        let big = Array("NTLMSSP\0".utf8) + le32(3) + [UInt8](repeating: 0x41, count: 70_000)
        #expect(reason(challenged.step(token: big, password: directory))?.contains("exceeds") == true)
    }

    @Test("Empty, short and non-NTLMSSP tokens are rejected")
    func garbage() {
        let tokens: [[UInt8]] = [
            [], [0x4e], Array("NTLMSSP".utf8), Array("NTLMSSP\0".utf8), Array("NTLMSSQ\0\u{1}\0\0\0".utf8),
            Array("Negotiate abc".utf8), Array("NTLMSSP\0".utf8) + le32(4) + le32(0),
        ]
        for token in tokens {
            var context = makeContext()
            #expect(reason(context.step(token: token, password: directory)) != nil)
        }
    }

    @Test("Descriptors pointing outside the message are rejected")
    func outOfBounds() {
        let nt = [UInt8](repeating: 0x22, count: 64)
        let valid = authenticateMessage(
            lm: [UInt8](repeating: 0, count: 24), nt: nt, domain: utf16LE("CONTOSO"), user: utf16LE("alice"),
            workstation: utf16LE("WS042"))
        for descriptor in [12, 20, 28, 36, 44, 52] {
            for (length, offset) in [(0xffff, 88), (16, 0xffff_ffff), (16, valid.count - 8), (1, valid.count)] {
                var token = valid
                token.replaceSubrange(descriptor..<(descriptor + 8), with: le16(length) + le16(length) + le32(offset))
                var (context, _) = challengedContext()
                let why = reason(context.step(token: token, password: directory))
                #expect(why?.contains("malformed AUTHENTICATE") == true, "descriptor \(descriptor) \(length)@\(offset)")
            }
        }
    }

    @Test("Odd-length and unpaired-surrogate UTF-16 names are rejected")
    func invalidUTF16() {
        for user: [UInt8] in [[0x61, 0x00, 0x62], [0x00, 0xd8], [0x00, 0xdc, 0x61, 0x00]] {
            var (context, _) = challengedContext()
            let token = authenticateMessage(
                lm: [], nt: [UInt8](repeating: 0x22, count: 64), domain: utf16LE("CONTOSO"), user: user,
                workstation: [])
            #expect(reason(context.step(token: token, password: directory))?.contains("UTF-16") == true)
        }
    }

    @Test("Control characters in names do not reach the reason text verbatim")
    func controlCharacters() {
        var (context, _) = challengedContext()
        let token = authenticateMessage(
            lm: [], nt: [UInt8](repeating: 0x22, count: 64), domain: utf16LE("CONTOSO"),
            user: utf16LE("eve\r\nX-Injected: 1"), workstation: [])
        let why = reason(context.step(token: token, password: directory)) ?? ""
        #expect(!why.contains("\r"))
        #expect(!why.contains("\n"))
        #expect(why.contains("unknown user"))
    }

    @Test("Every truncation of a valid NEGOTIATE and AUTHENTICATE is handled")
    func truncations() {
        for unicode in [true, false] {
            let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "Secr3t!pw", unicode: unicode)
            let negotiate = client.negotiate()
            for length in 0..<negotiate.count {
                var context = makeContext()
                let step = context.step(token: Array(negotiate.prefix(length)), password: directory)
                if length < 16 { #expect(reason(step) != nil) }
            }
            var reference = makeContext()
            guard let challenge = challengeBytes(reference.step(token: negotiate, password: directory)) else {
                Issue.record("no challenge")
                return
            }
            let authenticate = client.authenticate(to: challenge)
            for length in 0..<authenticate.count {
                var context = makeContext()
                _ = context.step(token: negotiate, password: directory)
                let step = context.step(token: Array(authenticate.prefix(length)), password: directory)
                #expect(reason(step) != nil, "prefix \(length) of \(authenticate.count)")
            }
            var context = makeContext()
            _ = context.step(token: negotiate, password: directory)
            #expect(context.step(token: authenticate, password: directory) == .authenticated(
                NTLMIdentity(user: "alice", domain: "CONTOSO", workstation: "WS042")))
        }
    }

    @Test("Random tokens, with and without an NTLMSSP header, never crash")
    func randomTokens() {
        var rng = SeededGenerator(state: 0x5eed_0001)
        for round in 0..<3000 {
            let length = Int.random(in: 0...400, using: &rng)
            var token = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
            if round % 2 == 0 {
                let type = UInt32.random(in: 1...3, using: &rng)
                token = Array("NTLMSSP\0".utf8) + le32(Int(type)) + token
            }
            var (context, _) = challengedContext()
            switch context.step(token: token, password: directory) {
            case .authenticated:
                Issue.record("random token \(round) authenticated")
            case .challenge, .rejected:
                break
            }
            var fresh = makeContext()
            if case .authenticated = fresh.step(token: token, password: directory) {
                Issue.record("random token \(round) authenticated on a fresh context")
            }
        }
    }

    @Test("Randomly mutated AUTHENTICATE headers never crash or authenticate someone else")
    func mutatedHeaders() {
        var rng = SeededGenerator(state: 0x5eed_0002)
        for unicode in [true, false] {
            let client = TestNTLMClient(user: "alice", domain: "CONTOSO", password: "Secr3t!pw", unicode: unicode)
            var reference = makeContext()
            guard let challenge = challengeBytes(reference.step(token: client.negotiate(), password: directory)) else {
                Issue.record("no challenge")
                return
            }
            let valid = client.authenticate(to: challenge)
            let headerLength = unicode ? 88 : 64
            for round in 0..<2000 {
                var token = valid
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    token[Int.random(in: 8..<headerLength, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
                var context = makeContext()
                _ = context.step(token: client.negotiate(), password: directory)
                if case .authenticated(let identity) = context.step(token: token, password: directory) {
                    #expect(
                        identity == NTLMIdentity(user: "alice", domain: "CONTOSO", workstation: identity.workstation),
                        "round \(round)")
                }
            }
        }
    }

    @Test("Random NT responses of NTLMv2 length are rejected as wrong passwords")
    func randomResponses() {
        var rng = SeededGenerator(state: 0x5eed_0003)
        for _ in 0..<500 {
            let nt = (0..<Int.random(in: 44...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var (context, _) = challengedContext()
            let token = authenticateMessage(
                lm: [], nt: nt, domain: utf16LE("CONTOSO"), user: utf16LE("alice"), workstation: [])
            #expect(reason(context.step(token: token, password: directory)) == "wrong password for CONTOSO\\alice")
        }
    }
}
