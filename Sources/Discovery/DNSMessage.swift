/// DNS messages as RFC 1035 lays them out: a query for one name and type, and a defensive reader
/// of the answer section (compression pointers followed with a hop limit, every length checked).
struct DNSMessage: Sendable, Equatable {
    /// Resource record types this client reads.
    enum RecordType: UInt16, Sendable {
        case a = 1
        case cname = 5
        case aaaa = 28
        case srv = 33
    }

    /// One answer record.
    enum Record: Sendable, Equatable {
        case srv(SRVRecord)
        case a(String)
        case aaaa(String)
        case cname(String)
        case other(type: UInt16)
    }

    var id: UInt16
    var truncated: Bool
    /// RCODE: 0 no error, 2 server failure, 3 name error (NXDOMAIN)…
    var responseCode: Int
    var answers: [(name: String, record: Record)]

    static func == (a: DNSMessage, b: DNSMessage) -> Bool {
        a.id == b.id && a.truncated == b.truncated && a.responseCode == b.responseCode
            && a.answers.map(\.name) == b.answers.map(\.name) && a.answers.map(\.record) == b.answers.map(\.record)
    }

    /// A query for `name` and `type`, recursion desired.
    static func query(id: UInt16, name: String, type: RecordType) -> [UInt8]? {
        var out: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xFF), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        guard let encoded = encode(name: name) else { return nil }
        out += encoded
        out += [UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xFF), 0, 1]
        return out
    }

    /// A name as a sequence of labels; nil when a label is empty or longer than 63 bytes.
    static func encode(name: String) -> [UInt8]? {
        var out: [UInt8] = []
        let trimmed = name.hasSuffix(".") ? String(name.dropLast()) : name
        guard !trimmed.isEmpty else { return [0] }
        for label in trimmed.split(separator: ".", omittingEmptySubsequences: false) {
            let bytes = Array(label.utf8)
            guard !bytes.isEmpty, bytes.count <= 63 else { return nil }
            out.append(UInt8(bytes.count))
            out += bytes
        }
        out.append(0)
        return out.count <= 255 ? out : nil
    }

    /// Why an answer could not be read.
    struct ParseError: Error, Sendable, CustomStringConvertible {
        var description: String
        init(_ d: String) { description = d }
    }

    /// Reads a response to the query with `expectedID`.
    static func parse(_ bytes: [UInt8], expectedID: UInt16) throws(ParseError) -> DNSMessage {
        var reader = Reader(bytes: bytes)
        let id = try reader.u16()
        guard id == expectedID else { throw ParseError("the answer's id \(id) is not the query's \(expectedID)") }
        let flags = try reader.u16()
        guard flags & 0x8000 != 0 else { throw ParseError("the message is a query, not a response") }
        let qd = Int(try reader.u16())
        let an = Int(try reader.u16())
        _ = try reader.u16()
        _ = try reader.u16()
        for _ in 0..<qd {
            _ = try reader.name()
            _ = try reader.u16()
            _ = try reader.u16()
        }
        var answers: [(String, Record)] = []
        for _ in 0..<an {
            let name = try reader.name()
            let type = try reader.u16()
            _ = try reader.u16()
            _ = try reader.u32()
            let length = Int(try reader.u16())
            let end = reader.offset + length
            guard end <= bytes.count else { throw ParseError("a record's data runs past the end of the message") }
            let record: Record
            switch RecordType(rawValue: type) {
            case .srv?:
                let priority = try reader.u16()
                let weight = try reader.u16()
                let port = try reader.u16()
                let target = try reader.name()
                record = .srv(SRVRecord(priority: Int(priority), weight: Int(weight), port: Int(port), target: target))
            case .a?:
                guard length == 4 else { throw ParseError("an A record of \(length) bytes") }
                record = .a(bytes[reader.offset..<end].map(String.init).joined(separator: "."))
            case .aaaa?:
                guard length == 16 else { throw ParseError("an AAAA record of \(length) bytes") }
                let groups = stride(from: reader.offset, to: end, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
                record = .aaaa(groups.joined(separator: ":"))
            case .cname?:
                record = .cname(try reader.name())
            case nil:
                record = .other(type: type)
            }
            guard reader.offset <= end else { throw ParseError("a record is longer than its RDLENGTH") }
            reader.offset = end
            answers.append((name, record))
        }
        return DNSMessage(id: id, truncated: flags & 0x0200 != 0, responseCode: Int(flags & 0x000F), answers: answers)
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        mutating func u8() throws(ParseError) -> UInt8 {
            guard offset < bytes.count else { throw ParseError("the message ends early (at byte \(offset))") }
            defer { offset += 1 }
            return bytes[offset]
        }

        mutating func u16() throws(ParseError) -> UInt16 { UInt16(try u8()) << 8 | UInt16(try u8()) }

        mutating func u32() throws(ParseError) -> UInt32 { UInt32(try u16()) << 16 | UInt32(try u16()) }

        /// A possibly compressed name; the reader ends after the name's first occurrence.
        mutating func name() throws(ParseError) -> String {
            var labels: [String] = []
            var position = offset
            var jumped = false
            var jumps = 0
            var total = 0
            while true {
                guard position < bytes.count else { throw ParseError("a name runs past the end of the message") }
                let length = Int(bytes[position])
                if length & 0xC0 == 0xC0 {
                    guard position + 1 < bytes.count else { throw ParseError("a compression pointer is cut off") }
                    jumps += 1
                    guard jumps <= 32 else { throw ParseError("compression pointers loop") }
                    let target = (length & 0x3F) << 8 | Int(bytes[position + 1])
                    if !jumped { offset = position + 2 }
                    jumped = true
                    position = target
                    continue
                }
                guard length & 0xC0 == 0 else { throw ParseError("a label has the reserved type bits \(length >> 6)") }
                if length == 0 {
                    if !jumped { offset = position + 1 }
                    break
                }
                guard position + 1 + length <= bytes.count else { throw ParseError("a label runs past the end of the message") }
                total += length + 1
                guard total <= 255 else { throw ParseError("a name longer than 255 bytes") }
                labels.append(String(decoding: bytes[(position + 1)...(position + length)], as: UTF8.self))
                position += 1 + length
            }
            return labels.isEmpty ? "." : labels.joined(separator: ".")
        }
    }
}
