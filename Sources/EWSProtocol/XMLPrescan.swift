import Foundation

/// A byte-level look at a document before libxml2 sees it: the first line of defence of the one XML
/// entry point.
///
/// It refuses what an EWS or Autodiscover peer never needs to send and a hostile one might: any markup
/// declaration (`<!DOCTYPE`, `<!ENTITY`, `<!ELEMENT`, …) — so no DTD, and no entity, ever reaches the
/// parser —, nesting deeper than ``Limits/maxDepth``, more than ``Limits/maxElements`` elements, and an
/// encoding declaration the bytes contradict. It names an HTML page (with its title) instead of calling
/// it malformed XML, so "a login page answered" reads as such.
///
/// One pass, no allocation beyond the title: it runs on every response of a run.
package struct XMLPrescan: Sendable {
    /// Bounds applied before parsing.
    package struct Limits: Sendable, Hashable {
        /// The deepest element nesting accepted (EWS answers nest about 15 deep).
        package var maxDepth: Int
        /// The most elements accepted in one document.
        package var maxElements: Int
        /// The longest single tag (name and attributes) accepted, in bytes: EWS puts ids and change
        /// keys in attributes (a few hundred bytes), never megabytes.
        package var maxTagBytes: Int

        /// Bounds for EWS and Autodiscover documents.
        package static let standard = Limits(maxDepth: 128, maxElements: 4_000_000, maxTagBytes: 1 << 20)

        package init(maxDepth: Int, maxElements: Int, maxTagBytes: Int = 1 << 20) {
            self.maxDepth = maxDepth
            self.maxElements = maxElements
            self.maxTagBytes = maxTagBytes
        }
    }

    /// What the scan learned about a document it let through.
    package struct Facts: Sendable, Hashable {
        /// The deepest nesting seen.
        package var depth: Int
        /// How many elements the document has.
        package var elements: Int
    }

    private let bytes: [UInt8]
    private let limits: Limits

    private init(bytes: [UInt8], limits: Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    /// Scans `bytes`; throws an ``XMLReadError`` whose ``XMLReadError/reason`` names the refusal.
    @discardableResult
    package static func check(_ bytes: [UInt8], limits: Limits = .standard) throws(XMLReadError) -> Facts {
        try XMLPrescan(bytes: bytes, limits: limits).run()
    }

    private func run() throws(XMLReadError) -> Facts {
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0xFF, 0xFE])
            || bytes.starts(with: [0x00, 0x3C]) || bytes.starts(with: [0x3C, 0x00]) {
            throw XMLReadError(message: "the document is UTF-16 or UTF-32; EWS and Autodiscover answer in UTF-8",
                               line: 0, column: 0, reason: .encoding)
        }
        var i = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        try checkDeclaredEncoding(from: i)
        let n = bytes.count
        var depth = 0, deepest = 0, elements = 0
        var sawRoot = false
        while i < n {
            guard bytes[i] == 0x3C else { i += 1; continue } // '<'
            guard i + 1 < n else { break }
            let next = bytes[i + 1]
            if next == 0x21 { // '!'
                if matches("<!--", at: i) {
                    i = try skip(past: "-->", from: i + 4, what: "comment")
                } else if matches("<![CDATA[", at: i) {
                    i = try skip(past: "]]>", from: i + 9, what: "CDATA section")
                } else {
                    let keyword = word(at: i + 2)
                    if keyword.lowercased() == "doctype" && !sawRoot, word(after: i + 2 + keyword.utf8.count).lowercased() == "html" {
                        throw htmlPage(from: i)
                    }
                    throw XMLReadError(message: "a markup declaration (<!\(keyword.isEmpty ? "…" : keyword)) is not allowed: "
                                       + "a DTD or entity is refused before parsing", line: line(at: i), column: 0,
                                       reason: .declaration)
                }
            } else if next == 0x3F { // '?': a processing instruction or the XML declaration
                i = try skip(past: "?>", from: i + 2, what: "processing instruction")
            } else if next == 0x2F { // '/': an end tag
                depth -= 1
                i = try endOfTag(from: i + 2)
            } else {
                if !sawRoot {
                    sawRoot = true
                    let name = word(at: i + 1)
                    if name.lowercased() == "html" { throw htmlPage(from: i) }
                }
                let end = try endOfTag(from: i + 1)
                if end - i > limits.maxTagBytes {
                    throw XMLReadError(message: "a tag of \(end - i) bytes (attributes included), more than the \(limits.maxTagBytes) allowed",
                                       line: line(at: i), column: 0, reason: .tooLarge)
                }
                elements += 1
                if elements > limits.maxElements {
                    throw XMLReadError(message: "more than \(limits.maxElements) elements", line: line(at: i), column: 0,
                                       reason: .tooLarge)
                }
                if bytes[end - 2] != 0x2F { // not "/>"
                    depth += 1
                    deepest = max(deepest, depth)
                    if depth > limits.maxDepth {
                        throw XMLReadError(message: "elements nest deeper than \(limits.maxDepth) levels",
                                           line: line(at: i), column: 0, reason: .tooDeep)
                    }
                }
                i = end
            }
        }
        return Facts(depth: deepest, elements: elements)
    }

    /// Compares the XML declaration's encoding with the bytes: UTF-8 (declared or implied) must be valid
    /// UTF-8; a declared single-byte encoding is accepted as libxml2 converts it.
    /// The value of `encoding="…"` (or `'…'`) in an XML declaration, if it is a name of
    /// `[A-Za-z0-9._-]`; nil when there is none.
    static func encodingName(in declaration: ArraySlice<UInt8>) -> String? {
        let key = Array("encoding".utf8)
        let d = Array(declaration)
        var i = 0
        func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
        while i + key.count <= d.count {
            guard d[i..<(i + key.count)].elementsEqual(key) else { i += 1; continue }
            var j = i + key.count
            while j < d.count, isSpace(d[j]) { j += 1 }
            guard j < d.count, d[j] == 0x3D else { i += 1; continue } // '='
            j += 1
            while j < d.count, isSpace(d[j]) { j += 1 }
            guard j < d.count, d[j] == 0x22 || d[j] == 0x27 else { i += 1; continue } // " or '
            let quote = d[j]
            let start = j + 1
            var k = start
            while k < d.count, d[k] != quote {
                let b = d[k]
                let ok = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2E || b == 0x5F || b == 0x2D
                guard ok else { break }
                k += 1
            }
            guard k < d.count, d[k] == quote, k > start else { i += 1; continue }
            return String(decoding: d[start..<k], as: UTF8.self)
        }
        return nil
    }

    private func checkDeclaredEncoding(from start: Int) throws(XMLReadError) {
        var declared = "UTF-8"
        if matches("<?xml", at: start), let close = find("?>", from: start) {
            // Read by hand: a regular expression compiled per document was a measurable share of
            // every parse (docs/performance.md).
            if let name = Self.encodingName(in: bytes[start..<close]) { declared = name }
        }
        let upper = declared.uppercased()
        if let nul = bytes.firstIndex(of: 0) {
            throw XMLReadError(message: "a NUL byte at offset \(nul): XML never contains one", line: line(at: nul), column: 0,
                               reason: .encoding)
        }
        if upper == "UTF-8" || upper == "UTF8" {
            if let bad = firstInvalidUTF8() {
                throw XMLReadError(message: "declared \(declared) but byte \(bad) is not valid UTF-8", line: line(at: bad),
                                   column: 0, reason: .encoding)
            }
        } else if upper.hasPrefix("UTF-16") || upper.hasPrefix("UTF-32") || upper.hasPrefix("UCS") {
            throw XMLReadError(message: "declared \(declared) but the bytes are single-byte", line: 1, column: 0,
                               reason: .encoding)
        }
    }

    private func firstInvalidUTF8() -> Int? {
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            if b < 0x80 { i += 1; continue }
            let length: Int
            if b >= 0xC2 && b <= 0xDF { length = 2 } else if b >= 0xE0 && b <= 0xEF { length = 3 }
            else if b >= 0xF0 && b <= 0xF4 { length = 4 } else { return i }
            guard i + length <= n else { return i }
            for k in 1..<length where bytes[i + k] & 0xC0 != 0x80 { return i }
            // Overlong three- and four-byte forms, surrogates and code points above U+10FFFF.
            if (b == 0xE0 && bytes[i + 1] < 0xA0) || (b == 0xED && bytes[i + 1] > 0x9F)
                || (b == 0xF0 && bytes[i + 1] < 0x90) || (b == 0xF4 && bytes[i + 1] > 0x8F) { return i }
            i += length
        }
        return nil
    }

    /// The index just past `>` of a tag whose name starts at `from`; quoted attribute values may hold `>`.
    private func endOfTag(from: Int) throws(XMLReadError) -> Int {
        var i = from
        var quote: UInt8 = 0
        while i < bytes.count {
            let b = bytes[i]
            if quote != 0 {
                if b == quote { quote = 0 }
            } else if b == 0x22 || b == 0x27 {
                quote = b
            } else if b == 0x3E {
                return i + 1
            } else if b == 0x3C {
                break
            }
            i += 1
        }
        throw XMLReadError(message: "a tag is not closed", line: line(at: from), column: 0, reason: .notWellFormed)
    }

    private func skip(past terminator: String, from: Int, what: String) throws(XMLReadError) -> Int {
        guard let at = find(terminator, from: from) else {
            throw XMLReadError(message: "a \(what) is not closed", line: line(at: from), column: 0, reason: .notWellFormed)
        }
        return at + terminator.utf8.count
    }

    private func find(_ needle: String, from: Int) -> Int? {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first, bytes.count >= pattern.count else { return nil }
        var i = from
        while i + pattern.count <= bytes.count {
            if bytes[i] == first && matches(pattern, at: i) { return i }
            i += 1
        }
        return nil
    }

    private func matches(_ literal: String, at i: Int) -> Bool { matches(Array(literal.utf8), at: i) }

    private func matches(_ pattern: [UInt8], at i: Int) -> Bool {
        guard i + pattern.count <= bytes.count else { return false }
        for k in 0..<pattern.count where bytes[i + k] != pattern[k] { return false }
        return true
    }

    /// The run of name characters starting at `i`.
    private func word(at i: Int) -> String {
        var end = i
        while end < bytes.count, end - i < 64, Self.isNameByte(bytes[end]) { end += 1 }
        return String(decoding: bytes[i..<end], as: UTF8.self)
    }

    /// The word after the whitespace that follows `i`.
    private func word(after i: Int) -> String {
        var j = i
        while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 || bytes[j] == 0x0A || bytes[j] == 0x0D { j += 1 }
        return word(at: j)
    }

    private static func isNameByte(_ b: UInt8) -> Bool {
        (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F
            || b == 0x2E || b == 0x3A || b >= 0x80
    }

    private func line(at index: Int) -> Int {
        var line = 1
        for b in bytes[..<min(index, bytes.count)] where b == 0x0A { line += 1 }
        return line
    }

    private func htmlPage(from: Int) -> XMLReadError {
        let title = Self.htmlTitle(in: bytes)
        let named = title.map { "an HTML page (“\($0)”) instead of XML" } ?? "an HTML page instead of XML"
        return XMLReadError(message: named, line: line(at: from), column: 0, reason: .html(title: title))
    }

    /// The text of an HTML page's `<title>` (the first 64 KiB searched), for messages: whitespace
    /// folded, common entities decoded, control characters dropped, cut to 120 characters. The one
    /// place a page's title is read (the pre-scan, the first contact and the verdict gate use it).
    package static func htmlTitle(in bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes.prefix(64 * 1024), as: UTF8.self)
        guard let open = text.range(of: "<title", options: .caseInsensitive),
              let close = text.range(of: ">", range: open.upperBound..<text.endIndex),
              let end = text.range(of: "</title", options: .caseInsensitive, range: close.upperBound..<text.endIndex) else { return nil }
        var title = text[close.upperBound..<end.lowerBound].split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        for (entity, char) in [("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">"), ("&quot;", "\""), ("&#39;", "'"), ("&nbsp;", " ")] {
            title = title.replacingOccurrences(of: entity, with: char)
        }
        title = String(title.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7F }.map(Character.init))
        if title.isEmpty { return nil }
        return title.count > 120 ? String(title.prefix(120)) + "…" : title
    }
}
