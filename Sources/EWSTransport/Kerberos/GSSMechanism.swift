/// A GSS-API mechanism, as far as HTTP Negotiate is concerned.
package enum GSSMechanism: Sendable, Hashable, CustomStringConvertible {
    /// Kerberos 5 (1.2.840.113554.1.2.2).
    case kerberos5
    /// SPNEGO itself (1.3.6.1.5.5.2): the wrapper, not a real mechanism.
    case spnego
    /// NTLM (1.3.6.1.4.1.311.2.2.10): what a silent fallback inside Negotiate uses.
    case ntlm
    /// Any other mechanism, by dotted OID.
    case other(String)

    /// Decodes a DER OID body (the bytes of a `gss_OID_desc`).
    init(oidBytes bytes: [UInt8]) {
        switch bytes {
        case [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x12, 0x01, 0x02, 0x02]: self = .kerberos5
        // The legacy Microsoft OID for Kerberos (1.2.840.48018.1.2.2), which Windows also offers.
        case [0x2A, 0x86, 0x48, 0x82, 0xF7, 0x12, 0x01, 0x02, 0x02]: self = .kerberos5
        case [0x2B, 0x06, 0x01, 0x05, 0x05, 0x02]: self = .spnego
        case [0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0A]: self = .ntlm
        default: self = .other(Self.dotted(bytes))
        }
    }

    /// The OID in dotted form.
    package var oid: String {
        switch self {
        case .kerberos5: return "1.2.840.113554.1.2.2"
        case .spnego: return "1.3.6.1.5.5.2"
        case .ntlm: return "1.3.6.1.4.1.311.2.2.10"
        case .other(let oid): return oid
        }
    }

    /// `Kerberos 5`, `SPNEGO`, `NTLM` or the OID.
    package var description: String {
        switch self {
        case .kerberos5: return "Kerberos 5"
        case .spnego: return "SPNEGO"
        case .ntlm: return "NTLM"
        case .other(let oid): return oid
        }
    }

    private static func dotted(_ bytes: [UInt8]) -> String {
        guard let first = bytes.first else { return "" }
        var parts = [String(first / 40), String(first % 40)]
        var value: UInt64 = 0
        for byte in bytes.dropFirst() {
            value = (value << 7) | UInt64(byte & 0x7F)
            if byte & 0x80 == 0 {
                parts.append(String(value))
                value = 0
            }
            if value > UInt64(UInt32.max) { break }
        }
        return parts.joined(separator: ".")
    }
}
