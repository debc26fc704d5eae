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
