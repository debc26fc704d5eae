import Foundation

/// Byte-level searches in a string's UTF-8, for the checks that run on every exchange of a run
/// (Foundation's `String.contains(_:)` bridges and allocates; at ten thousand mailboxes it showed
/// up in the harness's profile).
package enum UTF8Search {
    /// Whether `needle` occurs in `haystack`, byte for byte.
    package static func contains(_ haystack: String, _ needle: StaticString) -> Bool {
        var haystack = haystack
        return haystack.withUTF8 { firstIndex(of: needle, in: $0) != nil }
    }

    /// Whether `needle` occurs in `bytes` (a body as received, not decoded).
    package static func contains(_ bytes: [UInt8], _ needle: StaticString) -> Bool {
        bytes.withUnsafeBufferPointer { firstIndex(of: needle, in: $0) != nil }
    }

    /// Where `needle` first occurs in `bytes` at or after `start`, or nil.
    package static func firstIndex(of needle: StaticString, in bytes: [UInt8], from start: Int = 0) -> Int? {
        bytes.withUnsafeBufferPointer { firstIndex(of: needle, in: $0, from: start) }
    }

    /// The texts between each `open` and the next `close` after it, in order (the ResponseCodes of
    /// an answer the simulator logs: Foundation's `range(of:)` was 4.5 % of its CPU).
    package static func texts(between open: StaticString, and close: StaticString, in text: String) -> [String] {
        var text = text
        return text.withUTF8 { bytes in
            var found: [String] = []
            var at = 0
            while let start = firstIndex(of: open, in: bytes, from: at) {
                let valueStart = start + open.utf8CodeUnitCount
                guard let end = firstIndex(of: close, in: bytes, from: valueStart) else { break }
                found.append(String(decoding: UnsafeBufferPointer(rebasing: bytes[valueStart..<end]), as: UTF8.self))
                at = end + close.utf8CodeUnitCount
            }
            return found
        }
    }

    /// memchr for the first byte, memcmp for the rest (Glibc hides memmem behind _GNU_SOURCE).
    private static func firstIndex(of needle: StaticString, in hay: UnsafeBufferPointer<UInt8>, from start: Int = 0) -> Int? {
        needle.withUTF8Buffer { pin in
            guard pin.count > 0 else { return min(max(0, start), hay.count) }
            guard start >= 0, hay.count - start >= pin.count, let h = hay.baseAddress, let p = pin.baseAddress else { return nil }
            var at = start
            let last = hay.count - pin.count
            while at <= last {
                guard let hit = memchr(h + at, Int32(p[0]), last - at + 1) else { return nil }
                at = h.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(h + at, p, pin.count) == 0 { return at }
                at += 1
            }
            return nil
        }
    }

    /// Whether the first bytes of `text` after leading ASCII white space start with `prefix`,
    /// ignoring ASCII case (`prefix` is lowercase ASCII).
    package static func startsIgnoringCase(_ text: String, with prefix: StaticString) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            var start = 0
            while start < bytes.count, isSpace(bytes[start]) { start += 1 }
            return prefix.withUTF8Buffer { pin in
                guard bytes.count - start >= pin.count else { return false }
                for i in 0..<pin.count where lowered(bytes[start + i]) != pin[i] { return false }
                return true
            }
        }
    }

    /// Whether `needle` (lowercase ASCII) occurs in the first `limit` bytes of `text`, ignoring ASCII case.
    package static func containsIgnoringCase(_ text: String, _ needle: StaticString, within limit: Int) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            needle.withUTF8Buffer { pin in
                let end = min(bytes.count, limit)
                guard pin.count > 0 else { return true }
                guard end >= pin.count else { return false }
                for start in 0...(end - pin.count) {
                    var i = 0
                    while i < pin.count, lowered(bytes[start + i]) == pin[i] { i += 1 }
                    if i == pin.count { return true }
                }
                return false
            }
        }
    }

    /// `text` without leading and trailing ASCII white space (space, tab, CR, LF, VT, FF): the
    /// optional white space around HTTP header lines and values, trimmed on every header of every
    /// exchange (Foundation's `trimmingCharacters(in:)` bridges to an NSString and back).
    package static func trimmedASCIISpace(_ text: String) -> String { trimmedASCIISpace(text[...]) }

    /// `text` without leading and trailing ASCII white space.
    package static func trimmedASCIISpace(_ text: Substring) -> String {
        let utf8 = text.utf8
        guard let first = utf8.firstIndex(where: { !isSpace($0) }) else { return "" }
        let last = utf8.lastIndex(where: { !isSpace($0) })!
        // Both ends are ASCII bytes, so the slice is whole characters.
        return String(decoding: utf8[first...last], as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

    private static func lowered(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte | 0x20 : byte }
}
