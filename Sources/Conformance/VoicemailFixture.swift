import Foundation

/// A small real voicemail recording: RIFF/WAVE, PCM 16-bit mono 8 kHz (what telephony systems
/// produce), a two-tone beep, with the run id folded into the samples so each run's file differs.
enum VoicemailFixture {
    static func wav(seconds: Double = 0.5, seed: String) -> [UInt8] {
        let rate = 8000
        let count = Int(Double(rate) * seconds)
        var hash: UInt32 = 2166136261
        for b in seed.utf8 { hash = (hash ^ UInt32(b)) &* 16777619 }
        // The tone is the same for every seed (computed once for the usual length); the seed
        // marks the first 32 samples.
        var tone = count == halfSecond.count ? halfSecond : Self.tone(count: count, rate: rate)
        for i in 0..<min(32, count) { tone[i] ^= Int16(truncatingIfNeeded: (hash >> UInt32(i % 32)) & 1) }
        var samples = [UInt8]()
        samples.reserveCapacity(count * 2)
        for s in tone { withUnsafeBytes(of: s.littleEndian) { samples += $0 } }
        func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        func le16(_ v: UInt16) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        var wav = Array("RIFF".utf8) + le32(UInt32(36 + samples.count)) + Array("WAVE".utf8)
        wav += Array("fmt ".utf8) + le32(16) + le16(1) + le16(1) + le32(UInt32(rate)) + le32(UInt32(rate * 2)) + le16(2) + le16(16)
        wav += Array("data".utf8) + le32(UInt32(samples.count)) + samples
        return wav
    }

    /// Half a second of the two-tone chord at 8 kHz.
    private static let halfSecond = tone(count: 4000, rate: 8000)

    /// `count` samples of the chord (440 Hz and 660 Hz) at `rate`.
    private static func tone(count: Int, rate: Int) -> [Int16] {
        (0..<count).map { i in
            let t = Double(i) / Double(rate)
            let v = 0.3 * sin(2 * .pi * 440 * t) + 0.2 * sin(2 * .pi * 660 * t)
            return Int16(max(-1, min(1, v)) * 32767)
        }
    }
}
