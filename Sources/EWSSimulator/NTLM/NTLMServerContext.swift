import Crypto
import Foundation

/// One NTLM handshake on one connection (NTLM authenticates the connection, not the request).
///
/// The acceptor side of MS-NLMP connection-oriented NTLM as HTTP uses it: NEGOTIATE in,
/// CHALLENGE out, AUTHENTICATE in, verdict out. Only NTLMv2 responses are accepted. Session
/// security (signing, sealing, MIC) is not verified: HTTP authentication never uses the session
/// key, and the server challenge, fresh per handshake, is what stops replays.
struct NTLMServerContext: Sendable {
    /// The names the simulated server announces in its CHALLENGE, as a domain member would.
    struct ServerNames: Sendable {
        var netbiosDomain: String
        var dnsDomain: String
        var netbiosComputer: String
        var dnsComputer: String
    }

    /// What the caller does next on the connection.
    enum Step: Sendable, Equatable {
        /// CHALLENGE message bytes; the caller sends `WWW-Authenticate: NTLM <base64>` with 401.
        case challenge([UInt8])
        /// The connection is now authenticated as this identity.
        case authenticated(NTLMIdentity)
        /// A specific reason, never containing a password or hash; the handshake is over.
        case rejected(String)
    }

    private enum State: Sendable {
        case awaitingNegotiate
        case challenged(serverChallenge: [UInt8], flags: NTLMNegotiateFlags)
        /// The handshake produced a verdict; only a new NEGOTIATE is accepted now, so one
        /// CHALLENGE can never be answered twice.
        case finished
    }

    private let names: ServerNames
    private let challengeSource: @Sendable () -> [UInt8]
    private let clock: @Sendable () -> Date
    private var state: State = .awaitingNegotiate

    init(
        names: ServerNames,
        challengeSource: @escaping @Sendable () -> [UInt8] = NTLMServerContext.randomChallenge,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.names = names
        self.challengeSource = challengeSource
        self.clock = clock
    }

    /// Eight bytes from the system CSPRNG; predictable challenges would allow precomputed
    /// responses.
    static func randomChallenge() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<8).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// Feeds one token from `Authorization: NTLM <base64>` (already base64-decoded).
    /// `password` looks up the plaintext password for (user, domain) as sent by the client; nil = unknown user.
    mutating func step(token: [UInt8], password: (_ user: String, _ domain: String) -> String?) -> Step {
        let type: UInt32
        do {
            type = try NTLMWire.messageType(of: token)
        } catch {
            return reject("malformed NTLM token: \(error.description)")
        }
        switch type {
        case NTLMMessageType.negotiate.rawValue:
            return negotiate(token)
        case NTLMMessageType.authenticate.rawValue:
            return authenticate(token, password: password)
        default:
            return reject("NTLM message type \(type) is not one a client sends")
        }
    }

    private mutating func negotiate(_ token: [UInt8]) -> Step {
        let request: NTLMNegotiateMessage
        do {
            request = try NTLMNegotiateMessage.parse(token)
        } catch {
            return reject("malformed NEGOTIATE message: \(error.description)")
        }
        let serverChallenge = challengeSource()
        guard serverChallenge.count == 8 else {
            return reject("server misconfigured: challenge source gave \(serverChallenge.count) bytes, not 8")
        }

        let flags = NTLMChallengeMessage.responseFlags(to: request.flags)
        var timestamp: [UInt8] = []
        let fileTime = NTLMWire.fileTime(clock())
        for shift in stride(from: 0, to: 64, by: 8) {
            timestamp.append(UInt8(truncatingIfNeeded: fileTime >> UInt64(shift)))
        }
        // AV pair values are UTF-16LE whatever the negotiated encoding (MS-NLMP §2.2.2.1).
        let challenge = NTLMChallengeMessage(
            flags: flags,
            targetName: names.netbiosDomain,
            serverChallenge: serverChallenge,
            targetInfo: [
                NTLMAVPair(.nbDomainName, value: NTLMText.utf16LE(names.netbiosDomain)),
                NTLMAVPair(.nbComputerName, value: NTLMText.utf16LE(names.netbiosComputer)),
                NTLMAVPair(.dnsDomainName, value: NTLMText.utf16LE(names.dnsDomain)),
                NTLMAVPair(.dnsComputerName, value: NTLMText.utf16LE(names.dnsComputer)),
                NTLMAVPair(.timestamp, value: timestamp),
            ]
        )
        state = .challenged(serverChallenge: serverChallenge, flags: flags)
        return .challenge(challenge.serialize())
    }

    private mutating func authenticate(
        _ token: [UInt8], password: (_ user: String, _ domain: String) -> String?
    ) -> Step {
        let serverChallenge: [UInt8]
        let negotiated: NTLMNegotiateFlags
        switch state {
        case .challenged(let challenge, let flags):
            serverChallenge = challenge
            negotiated = flags
        case .awaitingNegotiate:
            return reject("AUTHENTICATE received before any CHALLENGE on this connection")
        case .finished:
            return reject("AUTHENTICATE received after this connection's handshake ended; send a new NEGOTIATE")
        }

        let message: NTLMAuthenticateMessage
        do {
            message = try NTLMAuthenticateMessage.parse(token)
        } catch {
            return reject("malformed AUTHENTICATE message: \(error.description)")
        }

        // The encoding is the one the CHALLENGE settled on; that is what libcurl keys its
        // choice on too, rather than the flags it repeats in the AUTHENTICATE.
        let unicode = negotiated.contains(.unicode)
        func decode(_ bytes: [UInt8]) -> String? {
            unicode ? NTLMText.decodeUTF16LE(bytes) : NTLMText.decodeOEM(bytes)
        }
        guard let user = decode(message.user) else {
            return reject("malformed AUTHENTICATE message: UserName is not valid UTF-16LE")
        }
        guard let domain = decode(message.domain) else {
            return reject("malformed AUTHENTICATE message: DomainName is not valid UTF-16LE")
        }
        guard let workstation = decode(message.workstation) else {
            return reject("malformed AUTHENTICATE message: Workstation is not valid UTF-16LE")
        }
        guard !user.isEmpty else {
            return reject("anonymous NTLM authentication is not accepted")
        }
        let account = Self.displayName(user: user, domain: domain)

        let ntResponse = message.ntChallengeResponse
        if ntResponse.count == 24 {
            // 24 bytes is the NTLMv1 (and NTLM2 session response) DES construction; an NTLMv2
            // response is a 16-byte proof followed by a blob of at least 28 bytes.
            return reject("NTLMv1 is not accepted; NTLMv2 is required")
        }
        guard !ntResponse.isEmpty else {
            return reject("AUTHENTICATE for \(account) carries no NT response (LM only); NTLMv2 is required")
        }
        guard ntResponse.count >= NTLMv2.minimumResponseLength else {
            let minimum = NTLMv2.minimumResponseLength
            return reject(
                "NTLMv2 response for \(account) is \(ntResponse.count) bytes, shorter than the \(minimum)-byte minimum")
        }

        guard let secret = password(user, domain) else {
            return reject("unknown user \(account)")
        }
        let proof = Array(ntResponse[0..<16])
        let blob = Array(ntResponse[16...])
        let responseKey = NTLMv2.ntowfv2(password: secret, user: user, domain: domain)
        let expected = NTLMv2.ntProofStr(responseKeyNT: responseKey, serverChallenge: serverChallenge, blob: blob)
        guard NTLMv2.constantTimeEqual(expected, proof) else {
            return reject("wrong password for \(account)")
        }
        state = .finished
        return .authenticated(NTLMIdentity(user: user, domain: domain, workstation: workstation))
    }

    private mutating func reject(_ reason: String) -> Step {
        state = .finished
        return .rejected(reason)
    }

    /// DOMAIN\user as the client spelled it, made safe for logs and headers: names come from an
    /// unauthenticated peer, so control characters are escaped and the length is capped.
    private static func displayName(user: String, domain: String) -> String {
        let raw = domain.isEmpty ? user : "\(domain)\\\(user)"
        var out = ""
        for scalar in raw.unicodeScalars.prefix(256) {
            if scalar.properties.generalCategory == .control {
                out += "\\u{\(String(scalar.value, radix: 16))}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return raw.unicodeScalars.count > 256 ? out + "…" : out
    }
}

/// Who completed an NTLM handshake, with names exactly as the client sent them.
struct NTLMIdentity: Sendable, Equatable {
    var user: String
    var domain: String
    var workstation: String
}

/// The NTLMv2 one-way functions of MS-NLMP §3.3.2, as the server recomputes them.
enum NTLMv2 {
    /// NTProofStr (16) plus the fixed part of NTLMv2_CLIENT_CHALLENGE (28: RespType,
    /// HiRespType, Reserved1-2, TimeStamp, ChallengeFromClient, Reserved3) per §2.2.2.7.
    static let minimumResponseLength = 16 + 28

    /// NTOWFv1: MD4 of the UTF-16LE password, the "NT hash".
    static func ntowfv1(password: String) -> [UInt8] {
        MD4.hash(NTLMText.utf16LE(password))
    }

    /// NTOWFv2 = HMAC_MD5(NTOWFv1(password), UTF-16LE(Uppercase(user) + domain)). Only the user
    /// is uppercased; the domain is hashed exactly as sent, so the server must use the client's
    /// spelling rather than its own notion of the domain name.
    static func ntowfv2(password: String, user: String, domain: String) -> [UInt8] {
        hmacMD5(key: ntowfv1(password: password), data: NTLMText.utf16LE(user.uppercased() + domain))
    }

    /// NTProofStr = HMAC_MD5(ResponseKeyNT, ServerChallenge + temp), where temp (the "blob") is
    /// everything in the NT response after the proof.
    static func ntProofStr(responseKeyNT: [UInt8], serverChallenge: [UInt8], blob: [UInt8]) -> [UInt8] {
        hmacMD5(key: responseKeyNT, data: serverChallenge + blob)
    }

    static func hmacMD5(key: [UInt8], data: [UInt8]) -> [UInt8] {
        Array(HMAC<Insecure.MD5>.authenticationCode(for: data, using: SymmetricKey(data: key)))
    }

    /// Compares without an early exit so the time taken does not reveal how many leading bytes
    /// of a guessed proof were right.
    static func constantTimeEqual(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for index in lhs.indices {
            difference |= lhs[index] ^ rhs[index]
        }
        return difference == 0
    }
}
