import Foundation

// Wire formats of the three NTLM messages (MS-NLMP §2.2.1). Tokens come straight from an
// `Authorization` header of an unauthenticated peer, so every parse checks each offset and
// length against the buffer and reports a reason instead of trapping.

/// NegotiateFlags of MS-NLMP §2.2.2.5.
struct NTLMNegotiateFlags: OptionSet, Sendable, Hashable {
    let rawValue: UInt32
    init(rawValue: UInt32) { self.rawValue = rawValue }

    static let unicode = NTLMNegotiateFlags(rawValue: 0x0000_0001)
    static let oem = NTLMNegotiateFlags(rawValue: 0x0000_0002)
    static let requestTarget = NTLMNegotiateFlags(rawValue: 0x0000_0004)
    static let sign = NTLMNegotiateFlags(rawValue: 0x0000_0010)
    static let seal = NTLMNegotiateFlags(rawValue: 0x0000_0020)
    static let datagram = NTLMNegotiateFlags(rawValue: 0x0000_0040)
    static let lmKey = NTLMNegotiateFlags(rawValue: 0x0000_0080)
    static let ntlm = NTLMNegotiateFlags(rawValue: 0x0000_0200)
    static let anonymous = NTLMNegotiateFlags(rawValue: 0x0000_0800)
    static let oemDomainSupplied = NTLMNegotiateFlags(rawValue: 0x0000_1000)
    static let oemWorkstationSupplied = NTLMNegotiateFlags(rawValue: 0x0000_2000)
    static let alwaysSign = NTLMNegotiateFlags(rawValue: 0x0000_8000)
    static let targetTypeDomain = NTLMNegotiateFlags(rawValue: 0x0001_0000)
    static let targetTypeServer = NTLMNegotiateFlags(rawValue: 0x0002_0000)
    static let extendedSessionSecurity = NTLMNegotiateFlags(rawValue: 0x0008_0000)
    static let identify = NTLMNegotiateFlags(rawValue: 0x0010_0000)
    static let requestNonNTSessionKey = NTLMNegotiateFlags(rawValue: 0x0040_0000)
    static let targetInfo = NTLMNegotiateFlags(rawValue: 0x0080_0000)
    static let version = NTLMNegotiateFlags(rawValue: 0x0200_0000)
    static let negotiate128 = NTLMNegotiateFlags(rawValue: 0x2000_0000)
    static let keyExchange = NTLMNegotiateFlags(rawValue: 0x4000_0000)
    static let negotiate56 = NTLMNegotiateFlags(rawValue: 0x8000_0000)
}

/// Why a token could not be read as an NTLM message. The text names the field and the sizes
/// involved, never token contents, so it is safe to log and to hand back to the peer.
struct NTLMParseError: Error, Sendable, Equatable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// The `MessageType` field of an NTLM message (MS-NLMP §2.2.1).
enum NTLMMessageType: UInt32, Sendable {
    case negotiate = 1
    case challenge = 2
    case authenticate = 3
}

/// The AvId values of MS-NLMP §2.2.2.1 that the simulator writes or reads.
enum NTLMAVID: UInt16, Sendable {
    case eol = 0
    case nbComputerName = 1
    case nbDomainName = 2
    case dnsComputerName = 3
    case dnsDomainName = 4
    case dnsTreeName = 5
    case flags = 6
    case timestamp = 7
    case singleHost = 8
    case targetName = 9
    case channelBindings = 10
}

/// Limits and constants shared by the NTLM message types.
enum NTLMWire {
    /// "NTLMSSP\0".
    static let signature: [UInt8] = [0x4e, 0x54, 0x4c, 0x4d, 0x53, 0x53, 0x50, 0x00]

    /// Real tokens are a few hundred bytes (an AUTHENTICATE with a long AV list stays under
    /// 2 KiB); the cap keeps a hostile peer from making the server decode megabytes.
    static let maximumTokenSize = 64 * 1024

    /// Reads the message type after checking the signature, so callers can dispatch.
    static func messageType(of token: [UInt8]) throws(NTLMParseError) -> UInt32 {
        try checkSize(token)
        guard token.count >= 12, token.starts(with: signature) else {
            throw NTLMParseError("token is not an NTLMSSP message")
        }
        let reader = NTLMReader(token)
        return try reader.uint32(at: 8, field: "MessageType")
    }

    static func checkSize(_ token: [UInt8]) throws(NTLMParseError) {
        guard token.count <= maximumTokenSize else {
            throw NTLMParseError("token of \(token.count) bytes exceeds the \(maximumTokenSize)-byte limit")
        }
    }

    /// Converts a wall-clock time to a FILETIME (100 ns ticks since 1601-01-01 UTC), clamped to
    /// the representable range instead of trapping on absurd clocks.
    static func fileTime(_ date: Date) -> UInt64 {
        let ticks = (date.timeIntervalSince1970 * 10_000_000).rounded(.down) + 116_444_736_000_000_000
        guard ticks.isFinite, ticks > 0 else { return 0 }
        // 2^64 as a Double; anything below it converts exactly enough to UInt64.
        guard ticks < 18_446_744_073_709_551_616.0 else { return UInt64.max }
        return UInt64(ticks)
    }
}

/// Bounds-checked little-endian reads over one token.
struct NTLMReader {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    func uint16(at offset: Int, field: String) throws(NTLMParseError) -> UInt16 {
        guard offset >= 0, offset + 2 <= bytes.count else {
            throw NTLMParseError("\(field) lies beyond the end of the \(bytes.count)-byte message")
        }
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    func uint32(at offset: Int, field: String) throws(NTLMParseError) -> UInt32 {
        guard offset >= 0, offset + 4 <= bytes.count else {
            throw NTLMParseError("\(field) lies beyond the end of the \(bytes.count)-byte message")
        }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8
            | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    /// Reads the 8-byte (Len, MaxLen, BufferOffset) descriptor at `offset` and returns the bytes
    /// it points to. MaxLen is ignored, as MS-NLMP allows; an empty field may carry any offset
    /// because several clients write 0 there.
    func payload(descriptorAt offset: Int, field: String) throws(NTLMParseError) -> [UInt8] {
        let length = Int(try uint16(at: offset, field: "\(field) length"))
        let start = Int(try uint32(at: offset + 4, field: "\(field) offset"))
        guard length > 0 else { return [] }
        // Int is 64-bit on every supported platform, so a UInt32 offset plus a UInt16 length
        // cannot overflow here.
        guard start + length <= bytes.count else {
            throw NTLMParseError(
                "\(field) (\(length) bytes at offset \(start)) runs past the end of the \(bytes.count)-byte message")
        }
        return Array(bytes[start..<(start + length)])
    }
}

/// Text encodings used inside NTLM messages.
enum NTLMText {
    static func utf16LE(_ string: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(string.utf16.count * 2)
        for unit in string.utf16 {
            out.append(UInt8(truncatingIfNeeded: unit))
            out.append(UInt8(truncatingIfNeeded: unit >> 8))
        }
        return out
    }

    /// Strict UTF-16LE decoding: an odd length or an unpaired surrogate is an error rather than
    /// U+FFFD, because the decoded name feeds the NTOWFv2 computation and a repaired string
    /// would silently hash differently from what the client hashed.
    static func decodeUTF16LE(_ bytes: [UInt8]) -> String? {
        guard bytes.count % 2 == 0 else { return nil }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var i = 0
        while i < bytes.count {
            units.append(UInt16(bytes[i]) | UInt16(bytes[i + 1]) << 8)
            i += 2
        }
        var scalars = String.UnicodeScalarView()
        var iterator = units.makeIterator()
        var codec = UTF16()
        while true {
            switch codec.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: return String(scalars)
            case .error: return nil
            }
        }
    }

    /// OEM strings carry no code page on the wire. In practice they are ASCII (libcurl) or UTF-8;
    /// anything that is not valid UTF-8 is taken byte-for-byte as Latin-1 so every input decodes.
    static func decodeOEM(_ bytes: [UInt8]) -> String {
        var scalars = String.UnicodeScalarView()
        var iterator = bytes.makeIterator()
        var codec = UTF8()
        while true {
            switch codec.decode(&iterator) {
            case .scalarValue(let scalar): scalars.append(scalar)
            case .emptyInput: return String(scalars)
            case .error:
                return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
            }
        }
    }

    static func oem(_ string: String) -> [UInt8] { Array(string.utf8) }
}

/// NEGOTIATE_MESSAGE (MS-NLMP §2.2.1.1), type 1, sent by the client to open the handshake.
struct NTLMNegotiateMessage: Sendable, Equatable {
    var flags: NTLMNegotiateFlags
    /// OEM domain and workstation hints; only meaningful when the matching *_SUPPLIED flag is set.
    var domain: [UInt8]
    var workstation: [UInt8]

    static func parse(_ token: [UInt8]) throws(NTLMParseError) -> NTLMNegotiateMessage {
        guard try NTLMWire.messageType(of: token) == NTLMMessageType.negotiate.rawValue else {
            throw NTLMParseError("message is not a NEGOTIATE message")
        }
        let reader = NTLMReader(token)
        // Signature, type and flags are mandatory. The two field descriptors are optional in
        // practice: the oldest clients end the message right after the flags.
        let flags = NTLMNegotiateFlags(rawValue: try reader.uint32(at: 12, field: "NegotiateFlags"))
        var domain: [UInt8] = []
        var workstation: [UInt8] = []
        if token.count >= 32 {
            if flags.contains(.oemDomainSupplied) {
                domain = try reader.payload(descriptorAt: 16, field: "DomainName")
            }
            if flags.contains(.oemWorkstationSupplied) {
                workstation = try reader.payload(descriptorAt: 24, field: "Workstation")
            }
        } else if token.count > 16 {
            throw NTLMParseError("NEGOTIATE message of \(token.count) bytes ends inside its field descriptors")
        }
        return NTLMNegotiateMessage(flags: flags, domain: domain, workstation: workstation)
    }
}

/// One AV_PAIR of a TargetInfo list (MS-NLMP §2.2.2.1).
struct NTLMAVPair: Sendable, Equatable {
    var id: UInt16
    var value: [UInt8]

    init(id: UInt16, value: [UInt8]) {
        self.id = id
        self.value = value
    }

    init(_ id: NTLMAVID, value: [UInt8]) {
        self.init(id: id.rawValue, value: value)
    }

    /// Serialises pairs and appends the MsvAvEOL terminator.
    static func encode(_ pairs: [NTLMAVPair]) -> [UInt8] {
        var out: [UInt8] = []
        for pair in pairs {
            out.appendLE(pair.id)
            out.appendLE(UInt16(truncatingIfNeeded: pair.value.count))
            out.append(contentsOf: pair.value)
        }
        out.appendLE(NTLMAVID.eol.rawValue)
        out.appendLE(UInt16(0))
        return out
    }
}

/// The product part of the VERSION structure (MS-NLMP §2.2.2.10) a server reports. Clients only
/// log it; a real Windows value keeps the simulator's traces looking like a real server's.
struct NTLMVersion: Sendable, Equatable {
    var major: UInt8
    var minor: UInt8
    var build: UInt16

    /// Windows Server 2019 (10.0.17763), the platform Exchange 2019 runs on.
    static let windowsServer2019 = NTLMVersion(major: 10, minor: 0, build: 17763)
}

/// CHALLENGE_MESSAGE (MS-NLMP §2.2.1.2), type 2, the server's answer to a NEGOTIATE.
struct NTLMChallengeMessage: Sendable, Equatable {
    var flags: NTLMNegotiateFlags
    var targetName: String
    var serverChallenge: [UInt8]
    var targetInfo: [NTLMAVPair]
    var version: NTLMVersion = .windowsServer2019

    /// The flags a server answers a client's NEGOTIATE flags with (MS-NLMP §3.2.5.1.1).
    ///
    /// The text encoding is the client's choice: pyspnego and Windows ask for UNICODE, libcurl
    /// asks only for OEM and then sends OEM strings, so the answer must follow the request.
    /// TARGET_INFO is always set because clients (libcurl among them) fall back to NTLMv1 when
    /// the challenge has no target information, and NTLMv1 is refused.
    static func responseFlags(to client: NTLMNegotiateFlags) -> NTLMNegotiateFlags {
        var flags: NTLMNegotiateFlags = [
            .ntlm, .requestTarget, .targetInfo, .targetTypeDomain, .alwaysSign, .version,
        ]
        flags.insert(client.contains(.unicode) ? .unicode : .oem)
        if client.contains(.extendedSessionSecurity) { flags.insert(.extendedSessionSecurity) }
        // Echoed as a Windows server does: they change nothing for HTTP authentication, but a
        // client may insist on seeing the capabilities it asked for.
        for echoed: NTLMNegotiateFlags in [.negotiate128, .negotiate56, .keyExchange, .sign, .seal] {
            if client.contains(echoed) { flags.insert(echoed) }
        }
        return flags
    }

    /// The message bytes, laid out as: fixed 56-byte header (signature, type, TargetName
    /// descriptor, flags, challenge, reserved, TargetInfo descriptor, VERSION), then TargetName,
    /// then TargetInfo.
    func serialize() -> [UInt8] {
        let headerLength = 56
        let name = flags.contains(.unicode) ? NTLMText.utf16LE(targetName) : NTLMText.oem(targetName)
        let info = NTLMAVPair.encode(targetInfo)
        var out: [UInt8] = NTLMWire.signature
        out.appendLE(NTLMMessageType.challenge.rawValue)
        out.appendDescriptor(length: name.count, offset: headerLength)
        out.appendLE(flags.rawValue)
        out.append(contentsOf: serverChallenge)
        out.append(contentsOf: [UInt8](repeating: 0, count: 8))
        out.appendDescriptor(length: info.count, offset: headerLength + name.count)
        out.append(version.major)
        out.append(version.minor)
        out.appendLE(version.build)
        out.append(contentsOf: [0, 0, 0])
        out.append(0x0f)  // NTLMSSP_REVISION_W2K3
        out.append(contentsOf: name)
        out.append(contentsOf: info)
        return out
    }
}

/// AUTHENTICATE_MESSAGE (MS-NLMP §2.2.1.3), type 3, the client's proof. Strings are kept as
/// raw bytes because their encoding depends on the negotiated flags.
struct NTLMAuthenticateMessage: Sendable, Equatable {
    var flags: NTLMNegotiateFlags
    var lmChallengeResponse: [UInt8]
    var ntChallengeResponse: [UInt8]
    var domain: [UInt8]
    var user: [UInt8]
    var workstation: [UInt8]
    var encryptedRandomSessionKey: [UInt8]

    static func parse(_ token: [UInt8]) throws(NTLMParseError) -> NTLMAuthenticateMessage {
        guard try NTLMWire.messageType(of: token) == NTLMMessageType.authenticate.rawValue else {
            throw NTLMParseError("message is not an AUTHENTICATE message")
        }
        // The fixed part up to and including NegotiateFlags is 64 bytes; VERSION and MIC follow
        // only when negotiated and are not needed to verify the response.
        guard token.count >= 64 else {
            throw NTLMParseError("AUTHENTICATE message of \(token.count) bytes is shorter than its 64-byte header")
        }
        let reader = NTLMReader(token)
        return NTLMAuthenticateMessage(
            flags: NTLMNegotiateFlags(rawValue: try reader.uint32(at: 60, field: "NegotiateFlags")),
            lmChallengeResponse: try reader.payload(descriptorAt: 12, field: "LmChallengeResponse"),
            ntChallengeResponse: try reader.payload(descriptorAt: 20, field: "NtChallengeResponse"),
            domain: try reader.payload(descriptorAt: 28, field: "DomainName"),
            user: try reader.payload(descriptorAt: 36, field: "UserName"),
            workstation: try reader.payload(descriptorAt: 44, field: "Workstation"),
            encryptedRandomSessionKey: try reader.payload(
                descriptorAt: 52, field: "EncryptedRandomSessionKey")
        )
    }
}

extension [UInt8] {
    fileprivate mutating func appendLE(_ value: UInt16) {
        append(UInt8(truncatingIfNeeded: value))
        append(UInt8(truncatingIfNeeded: value >> 8))
    }

    fileprivate mutating func appendLE(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) {
            append(UInt8(truncatingIfNeeded: value >> UInt32(shift)))
        }
    }

    /// Writes a (Len, MaxLen, BufferOffset) field descriptor.
    fileprivate mutating func appendDescriptor(length: Int, offset: Int) {
        appendLE(UInt16(truncatingIfNeeded: length))
        appendLE(UInt16(truncatingIfNeeded: length))
        appendLE(UInt32(truncatingIfNeeded: offset))
    }
}
