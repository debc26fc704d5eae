import Foundation

/// A JSON value written straight to bytes, for the files a run writes a line or a record at a time
/// (ctrf.json's tests, the cleanup ledger's lines), where `JSONSerialization` over `[String: Any]`
/// was a measurable share of the harness's CPU.
///
/// The pretty layout is `JSONSerialization`'s (two spaces a level, `"key" : value`, an empty array
/// or object on two lines); keys are in code-point order (`JSONSerialization`'s `.sortedKeys` uses
/// a collation instead, `_x` before `A`); slashes are not escaped; other escapes are JSON's short
/// forms or `\u00XX`.
package enum JSONValue: Sendable, Equatable {
    case string(String)
    case int(Int)
    /// A finite number, written in its shortest form that reads back exactly.
    case double(Double)
    case bool(Bool)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value on one line.
    package var compact: [UInt8] {
        var out: [UInt8] = []
        write(to: &out, indent: nil, depth: 0)
        return out
    }

    /// The value pretty-printed, every line (the first included) `indent` spaces deeper.
    package func pretty(indent: Int = 0) -> [UInt8] {
        var out: [UInt8] = []
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent))
        write(to: &out, indent: indent, depth: 0)
        return out
    }

    private func write(to out: inout [UInt8], indent: Int?, depth: Int) {
        switch self {
        case .string(let s): Self.writeString(s, to: &out)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): out.append(contentsOf: (d.isFinite ? d.description : "null").utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            writeMembers(items.count, to: &out, indent: indent, depth: depth) { i, out in
                items[i].write(to: &out, indent: indent, depth: depth + 1)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            out.append(UInt8(ascii: "{"))
            writeMembers(keys.count, to: &out, indent: indent, depth: depth) { i, out in
                Self.writeString(keys[i], to: &out)
                out.append(contentsOf: indent == nil ? [UInt8(ascii: ":")] : Array(" : ".utf8))
                members[keys[i]]!.write(to: &out, indent: indent, depth: depth + 1)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// The members of an array or object between its brackets, one a line when pretty.
    private func writeMembers(_ count: Int, to out: inout [UInt8], indent: Int?, depth: Int,
                              _ member: (Int, inout [UInt8]) -> Void) {
        guard let indent else {
            for i in 0..<count {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                member(i, &out)
            }
            return
        }
        let inner = indent + 2 * (depth + 1)
        out.append(0x0A)
        if count == 0 { out.append(0x0A) }
        for i in 0..<count {
            if i > 0 { out.append(contentsOf: [UInt8(ascii: ","), 0x0A]) }
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: inner))
            member(i, &out)
        }
        if count > 0 { out.append(0x0A) }
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: inner - 2))
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private static func writeString(_ s: String, to out: inout [UInt8]) {
        var s = s
        out.append(UInt8(ascii: "\""))
        s.withUTF8 { bytes in
            // Runs of bytes that need no escape are copied whole.
            var run = 0
            for (i, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                if i > run { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<i])) }
                run = i + 1
                switch byte {
                case UInt8(ascii: "\""): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                default:
                    out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                            hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
                }
            }
            if bytes.count > run { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...])) }
        }
        out.append(UInt8(ascii: "\""))
    }
}

extension JSONValue {
    /// The value of a JSON text, or nil when it is not one (RFC 8259: objects, arrays, strings
    /// with every escape, numbers, `true`, `false`; `null` only as an object member, which is left
    /// out). A number with a fraction or an exponent is a `double`, else an `int` (or a `double`
    /// when it does not fit). For the lines ewscheck writes itself and reads back many times (the
    /// evidence spool), where `JSONDecoder` was the cost.
    package static func parse(_ data: Data) -> JSONValue? {
        data.withUnsafeBytes { raw in
            var parser = Parser(bytes: raw.bindMemory(to: UInt8.self))
            guard let value = parser.value(depth: 0) else { return nil }
            parser.skipSpace()
            return parser.at == parser.bytes.count ? value : nil
        }
    }

    /// The member `key` of an object.
    package subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string, if this is one.
    package var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }

    /// The integer, if this is one.
    package var intValue: Int? { if case .int(let i) = self { return i } else { return nil } }

    /// The number, integer or not.
    package var doubleValue: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        default: return nil
        }
    }

    /// The elements, if this is an array.
    package var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }

    private struct Parser {
        let bytes: UnsafeBufferPointer<UInt8>
        var at = 0
        /// Deeper than this is refused (a line ewscheck wrote is a few levels deep).
        static let maxDepth = 64

        mutating func skipSpace() {
            while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0A || bytes[at] == 0x0D || bytes[at] == 0x09 { at += 1 }
        }

        mutating func value(depth: Int) -> JSONValue? {
            skipSpace()
            guard at < bytes.count, depth < Self.maxDepth else { return nil }
            switch bytes[at] {
            case UInt8(ascii: "{"): return object(depth: depth)
            case UInt8(ascii: "["): return array(depth: depth)
            case UInt8(ascii: "\""): return string().map(JSONValue.string)
            case UInt8(ascii: "t"): return literal("true") ? .bool(true) : nil
            case UInt8(ascii: "f"): return literal("false") ? .bool(false) : nil
            default: return number()
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard bytes.count - at >= n, memcmp(bytes.baseAddress! + at, word.utf8Start, n) == 0 else { return false }
            at += n
            return true
        }

        mutating func object(depth: Int) -> JSONValue? {
            at += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
            while true {
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: "\""), let key = string() else { return nil }
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ":") else { return nil }
                at += 1
                skipSpace()
                if literal("null") {
                    members[key] = nil
                } else {
                    guard let v = value(depth: depth + 1) else { return nil }
                    members[key] = v
                }
                skipSpace()
                guard at < bytes.count else { return nil }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "}") { at += 1; return .object(members) }
                return nil
            }
        }

        mutating func array(depth: Int) -> JSONValue? {
            at += 1
            var items: [JSONValue] = []
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
            while true {
                guard let v = value(depth: depth + 1) else { return nil }
                items.append(v)
                skipSpace()
                guard at < bytes.count else { return nil }
                if bytes[at] == UInt8(ascii: ",") { at += 1; continue }
                if bytes[at] == UInt8(ascii: "]") { at += 1; return .array(items) }
                return nil
            }
        }

        /// A string starting at the opening quote; runs without escapes are copied whole.
        mutating func string() -> String? {
            at += 1
            var out: [UInt8] = []
            var run = at
            while at < bytes.count {
                let c = bytes[at]
                if c == UInt8(ascii: "\"") {
                    let s: String
                    if out.isEmpty {
                        s = String(decoding: UnsafeBufferPointer(rebasing: bytes[run..<at]), as: UTF8.self)
                    } else {
                        out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<at]))
                        s = String(decoding: out, as: UTF8.self)
                    }
                    at += 1
                    return s
                }
                if c < 0x20 { return nil }
                if c != UInt8(ascii: "\\") { at += 1; continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<at]))
                at += 1
                guard at < bytes.count else { return nil }
                let e = bytes[at]
                at += 1
                switch e {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard var scalar = hex4() else { return nil }
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A high surrogate must be followed by an escaped low one.
                        guard literal("\\u"), let low = hex4(), (0xDC00..<0xE000).contains(low) else { return nil }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        return nil
                    }
                    guard let u = Unicode.Scalar(scalar) else { return nil }
                    out.append(contentsOf: String(Character(u)).utf8)
                default: return nil
                }
                run = at
            }
            return nil
        }

        mutating func hex4() -> UInt32? {
            guard bytes.count - at >= 4 else { return nil }
            var v: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[at]
                let d: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): d = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): d = c - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): d = c - UInt8(ascii: "A") + 10
                default: return nil
                }
                v = v << 4 | UInt32(d)
                at += 1
            }
            return v
        }

        mutating func number() -> JSONValue? {
            let start = at
            var isInteger = true
            if at < bytes.count, bytes[at] == UInt8(ascii: "-") { at += 1 }
            let digits = at
            while at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) { at += 1 }
            guard at > digits, bytes[digits] != UInt8(ascii: "0") || at == digits + 1 else { return nil }
            if at < bytes.count, bytes[at] == UInt8(ascii: ".") {
                isInteger = false
                at += 1
                let fraction = at
                while at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) { at += 1 }
                guard at > fraction else { return nil }
            }
            if at < bytes.count, bytes[at] == UInt8(ascii: "e") || bytes[at] == UInt8(ascii: "E") {
                isInteger = false
                at += 1
                if at < bytes.count, bytes[at] == UInt8(ascii: "+") || bytes[at] == UInt8(ascii: "-") { at += 1 }
                let exponent = at
                while at < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[at]) { at += 1 }
                guard at > exponent else { return nil }
            }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
            if isInteger, let i = Int(text) { return .int(i) }
            return Double(text).map(JSONValue.double)
        }
    }
}
