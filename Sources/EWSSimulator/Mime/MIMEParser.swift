import Foundation

/// A parsed RFC 5322 / MIME message: the headers and the parts a mailbox item keeps.
struct MIMEMessage {
    var headers: [StoredHeader] = []
    var body: String = ""
    var bodyType: String = "Text"
    var attachments: [(name: String, contentType: String, contentID: String?, inline: Bool, content: [UInt8])] = []

    func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Fills an item the way Exchange converts MIME: subject, addresses, ids, importance,
    /// keywords as categories, body, attachments; every header is kept.
    func apply(to item: inout StoredItem, ids: IDFactory, now: Date) {
        item.internetHeaders = headers
        if let s = header("Subject") { item.subject = s }
        if let f = header("From") { item.from = MIMEParser.addresses(f).first }
        if let s = header("Sender") { item.sender = MIMEParser.addresses(s).first }
        if let v = header("To") { item.toRecipients = MIMEParser.addresses(v) }
        if let v = header("Cc") { item.ccRecipients = MIMEParser.addresses(v) }
        if let v = header("Bcc") { item.bccRecipients = MIMEParser.addresses(v) }
        if let v = header("Reply-To") { item.replyTo = MIMEParser.addresses(v) }
        if let v = header("Message-ID") { item.simple["InternetMessageId"] = .string(v) }
        if let v = header("In-Reply-To") { item.simple["InReplyTo"] = .string(v) }
        if let v = header("References") { item.simple["References"] = .string(v) }
        if let v = header("Keywords") {
            item.categories = v.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        switch (header("Importance") ?? "").lowercased() {
        case "high": item.importance = "High"
        case "low": item.importance = "Low"
        default:
            if let p = header("X-Priority")?.trimmingCharacters(in: .whitespaces).first {
                item.importance = p == "1" || p == "2" ? "High" : (p == "4" || p == "5" ? "Low" : "Normal")
            }
        }
        item.body = body
        item.bodyType = bodyType
        item.attachments += attachments.map {
            StoredAttachment(id: ids.attachmentID(), name: $0.name, contentType: $0.contentType, isInline: $0.inline,
                             content: $0.content, lastModified: now, contentID: $0.contentID)
        }
    }
}

/// Parses RFC 5322 messages with MIME (RFC 2045–2047): folded headers, encoded words,
/// multipart bodies, base64 and quoted-printable. Bounded: nesting depth and part count.
enum MIMEParser {
    static func parse(_ bytes: [UInt8]) -> MIMEMessage? {
        guard let (headers, body) = split(bytes), !headers.isEmpty else { return nil }
        var message = MIMEMessage(headers: headers)
        var budget = 200
        walk(headers: headers, body: body, into: &message, depth: 0, budget: &budget)
        return message
    }

    private static func split(_ bytes: [UInt8]) -> ([StoredHeader], [UInt8])? {
        // The header block ends at the first empty line (CRLF CRLF or LF LF).
        var end = bytes.count
        var bodyStart = bytes.count
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0A {
                if i + 1 < bytes.count, bytes[i + 1] == 0x0A { end = i; bodyStart = i + 2; break }
                if i + 2 < bytes.count, bytes[i + 1] == 0x0D, bytes[i + 2] == 0x0A { end = i; bodyStart = i + 3; break }
            }
            i += 1
        }
        if i == 0 { end = 0 }
        let headerText = String(decoding: bytes[0..<end], as: UTF8.self)
        var headers: [StoredHeader] = []
        for rawLine in headerText.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(rawLine)
            if let first = line.first, first == " " || first == "\t", !headers.isEmpty {
                headers[headers.count - 1].value += " " + line.trimmingCharacters(in: .whitespacesAndNewlines)
            } else if let colon = line.firstIndex(of: ":") {
                let name = line[..<colon].trimmingCharacters(in: .whitespaces)
                guard !name.isEmpty, !name.contains(" ") else { return nil }
                headers.append(StoredHeader(name: name, value: String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespacesAndNewlines)))
            } else if !line.trimmingCharacters(in: .whitespaces).isEmpty {
                return nil
            }
        }
        headers = headers.map { StoredHeader(name: $0.name, value: decodeWords($0.value)) }
        return (headers, Array(bytes[min(bodyStart, bytes.count)...]))
    }

    private static func walk(headers: [StoredHeader], body: [UInt8], into message: inout MIMEMessage, depth: Int, budget: inout Int) {
        budget -= 1
        guard budget > 0, depth < 8 else { return }
        func h(_ n: String) -> String? { headers.first { $0.name.caseInsensitiveCompare(n) == .orderedSame }?.value }
        let (type, params) = parameters(h("Content-Type") ?? "text/plain")
        let (disposition, dparams) = parameters(h("Content-Disposition") ?? "")
        let content = decode(body, encoding: (h("Content-Transfer-Encoding") ?? "7bit").lowercased())
        if type.hasPrefix("multipart/"), let boundary = params["boundary"] {
            for part in parts(body, boundary: boundary) {
                guard let (ph, pb) = split(part) else { continue }
                walk(headers: ph, body: pb, into: &message, depth: depth + 1, budget: &budget)
            }
            return
        }
        let filename = dparams["filename"] ?? params["name"]
        let isText = type == "text/plain" || type == "text/html"
        if isText, disposition != "attachment", filename == nil {
            let text = String(decoding: content, as: UTF8.self)
            // An HTML alternative wins over the text one, as Exchange keeps the richer body.
            if message.body.isEmpty || (type == "text/html" && message.bodyType == "Text") {
                message.body = text
                message.bodyType = type == "text/html" ? "HTML" : "Text"
            }
            return
        }
        let cid = h("Content-ID").map { $0.trimmingCharacters(in: CharacterSet(charactersIn: "<> ")) }
        message.attachments.append((name: filename ?? "attachment", contentType: type, contentID: cid,
                                    inline: disposition == "inline", content: content))
    }

    private static func parts(_ body: [UInt8], boundary: String) -> [[UInt8]] {
        let text = String(decoding: body, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        var result: [[UInt8]] = []
        let pieces = text.components(separatedBy: "\n--" + boundary)
        // The first piece is the preamble (or the first delimiter itself when it starts the body).
        for (index, piece) in pieces.enumerated() {
            var p = Substring(piece)
            if index == 0 {
                guard p.hasPrefix("--" + boundary) else { continue }
                p = p.dropFirst(2 + boundary.count)
            }
            if p.hasPrefix("--") { break }
            if let nl = p.firstIndex(of: "\n") { p = p[p.index(after: nl)...] } else { continue }
            result.append(Array(p.replacingOccurrences(of: "\n", with: "\r\n").utf8))
        }
        return result
    }

    /// `type/subtype; a=b; c="d"` → lower-cased value and parameters.
    static func parameters(_ header: String) -> (String, [String: String]) {
        let pieces = header.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        var params: [String: String] = [:]
        for p in pieces.dropFirst() {
            guard let eq = p.firstIndex(of: "=") else { continue }
            let key = p[..<eq].trimmingCharacters(in: .whitespaces).lowercased()
            var value = p[p.index(after: eq)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            params[key] = value
        }
        return ((pieces.first ?? "").lowercased(), params)
    }

    private static func decode(_ body: [UInt8], encoding: String) -> [UInt8] {
        switch encoding {
        case "base64":
            return Data(base64Encoded: String(decoding: body, as: UTF8.self), options: .ignoreUnknownCharacters).map { [UInt8]($0) } ?? []
        case "quoted-printable":
            return quotedPrintable(body, header: false)
        default:
            // 7bit/8bit text: drop the line-ending CRLF that ends the part.
            var b = body
            while let last = b.last, last == 0x0A || last == 0x0D { b.removeLast() }
            return b
        }
    }

    private static func quotedPrintable(_ bytes: [UInt8], header: Bool) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x37
            case 0x61...0x66: return c - 0x57
            default: return nil
            }
        }
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x3D {
                if i + 2 < bytes.count, let a = hex(bytes[i + 1]), let b = hex(bytes[i + 2]) {
                    out.append(a << 4 | b)
                    i += 3
                    continue
                }
                // A soft line break.
                if i + 1 < bytes.count, bytes[i + 1] == 0x0A { i += 2; continue }
                if i + 2 < bytes.count, bytes[i + 1] == 0x0D, bytes[i + 2] == 0x0A { i += 3; continue }
            }
            out.append(header && c == 0x5F ? 0x20 : c)
            i += 1
        }
        while let last = out.last, !header, last == 0x0A || last == 0x0D { out.removeLast() }
        return out
    }

    /// RFC 2047 encoded words (`=?charset?B|Q?text?=`); UTF-8 and Latin-1 charsets.
    static func decodeWords(_ value: String) -> String {
        guard value.contains("=?") else { return value }
        var out = ""
        var rest = Substring(value)
        var lastWasWord = false
        while let start = rest.range(of: "=?") {
            let between = rest[..<start.lowerBound]
            let afterStart = rest[start.upperBound...]
            let fields = afterStart.split(separator: "?", maxSplits: 3, omittingEmptySubsequences: false)
            guard fields.count == 4, fields[3].hasPrefix("=") else { break }
            let charset = fields[0].lowercased(), mode = fields[1].uppercased(), text = fields[2]
            let raw: [UInt8]
            if mode == "B" {
                raw = Data(base64Encoded: String(text), options: .ignoreUnknownCharacters).map { [UInt8]($0) } ?? []
            } else {
                raw = quotedPrintable(Array(text.utf8), header: true)
            }
            // Blanks between two encoded words are dropped (RFC 2047 section 6.2).
            if !(lastWasWord && between.allSatisfy { $0 == " " || $0 == "\t" }) { out += between }
            out += charset.contains("8859-1") || charset.contains("1252") ? String(raw.map { Character(Unicode.Scalar($0)) }) : String(decoding: raw, as: UTF8.self)
            rest = fields[3].dropFirst()
            lastWasWord = true
        }
        return out + rest
    }

    /// An address list: `Name <a@b>, "Last, First" <c@d>, e@f`.
    static func addresses(_ value: String) -> [StoredAddress] {
        var items: [String] = []
        var current = ""
        var quoted = false, angle = false
        for ch in value {
            if ch == "\"" { quoted.toggle() }
            if ch == "<" { angle = true }
            if ch == ">" { angle = false }
            if ch == ",", !quoted, !angle {
                items.append(current)
                current = ""
            } else {
                current.append(ch)
            }
        }
        items.append(current)
        return items.compactMap { raw in
            let s = raw.trimmingCharacters(in: .whitespaces)
            guard !s.isEmpty else { return nil }
            if let lt = s.lastIndex(of: "<"), let gt = s.lastIndex(of: ">"), lt < gt {
                let email = String(s[s.index(after: lt)..<gt]).trimmingCharacters(in: .whitespaces)
                var name = s[..<lt].trimmingCharacters(in: .whitespaces)
                if name.hasPrefix("\""), name.hasSuffix("\""), name.count >= 2 { name = String(name.dropFirst().dropLast()) }
                return StoredAddress(name: name.isEmpty ? nil : name, email: email)
            }
            return s.contains("@") ? StoredAddress(name: nil, email: s) : nil
        }
    }
}
