/// The MD4 message digest of RFC 1320.
///
/// NTLM's NT one-way function is MD4 over the UTF-16LE password (MS-NLMP §3.3.1), and
/// swift-crypto deliberately ships no MD4, so the simulator carries this one. MD4 is broken as a
/// general-purpose hash; nothing else in the package should use it.
enum MD4 {
    /// Returns the 16-byte digest of `bytes`.
    static func hash(_ bytes: [UInt8]) -> [UInt8] {
        var a: UInt32 = 0x6745_2301
        var b: UInt32 = 0xefcd_ab89
        var c: UInt32 = 0x98ba_dcfe
        var d: UInt32 = 0x1032_5476

        // RFC 1320 §3.1-3.2: a single 1 bit, zeros up to 56 mod 64, then the bit length as a
        // 64-bit little-endian integer (modulo 2^64, which wrapping multiplication gives).
        var message = bytes
        let bitLength = UInt64(truncatingIfNeeded: bytes.count) &* 8
        message.append(0x80)
        while message.count % 64 != 56 {
            message.append(0)
        }
        for shift in stride(from: 0, to: 64, by: 8) {
            message.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }

        var x = [UInt32](repeating: 0, count: 16)
        for blockStart in stride(from: 0, to: message.count, by: 64) {
            for i in 0..<16 {
                let o = blockStart + 4 * i
                x[i] = UInt32(message[o])
                    | UInt32(message[o + 1]) << 8
                    | UInt32(message[o + 2]) << 16
                    | UInt32(message[o + 3]) << 24
            }
            let (aa, bb, cc, dd) = (a, b, c, d)

            // Each round applies its operation 16 times, the target register cycling
            // A, D, C, B (RFC 1320 §3.4). Rotating the tuple after every operation lets one loop
            // body express that: the register being updated is always `a`, and after four
            // operations the names line up with the real registers again.
            for i in 0..<16 {
                let f = (b & c) | (~b & d)
                let s = round1Shifts[i % 4]
                let updated = (a &+ f &+ x[i]).rotatedLeft(by: s)
                (a, b, c, d) = (d, updated, b, c)
            }
            for i in 0..<16 {
                let g = (b & c) | (b & d) | (c & d)
                let s = round2Shifts[i % 4]
                let updated = (a &+ g &+ x[round2Order[i]] &+ 0x5a82_7999).rotatedLeft(by: s)
                (a, b, c, d) = (d, updated, b, c)
            }
            for i in 0..<16 {
                let h = b ^ c ^ d
                let s = round3Shifts[i % 4]
                let updated = (a &+ h &+ x[round3Order[i]] &+ 0x6ed9_eba1).rotatedLeft(by: s)
                (a, b, c, d) = (d, updated, b, c)
            }

            a = a &+ aa
            b = b &+ bb
            c = c &+ cc
            d = d &+ dd
        }

        var digest: [UInt8] = []
        digest.reserveCapacity(16)
        for word in [a, b, c, d] {
            for shift in stride(from: 0, to: 32, by: 8) {
                digest.append(UInt8(truncatingIfNeeded: word >> UInt32(shift)))
            }
        }
        return digest
    }

    private static let round1Shifts: [UInt32] = [3, 7, 11, 19]
    private static let round2Shifts: [UInt32] = [3, 5, 9, 13]
    private static let round3Shifts: [UInt32] = [3, 9, 11, 15]
    private static let round2Order = [0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15]
    private static let round3Order = [0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15]
}

extension UInt32 {
    fileprivate func rotatedLeft(by count: UInt32) -> UInt32 {
        (self << count) | (self >> (32 - count))
    }
}
