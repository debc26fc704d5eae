/// RFC 5322 `addr-spec` (`local-part@domain`) as a mailbox address may be written in a target
/// file: a dot-atom or quoted local part, a dot-atom or bracketed literal domain. UTF-8 beyond
/// ASCII is allowed (RFC 6532); control characters, CR, LF and NUL never are.
enum AddrSpec {
    static func isValid(_ address: String) -> Bool {
        let scalars = Array(address.unicodeScalars)
        guard !scalars.isEmpty, scalars.count <= 320,
              !scalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return false }
        guard let at = scalars.lastIndex(of: "@") else { return false }
        let local = Array(scalars[..<at]), domain = Array(scalars[(at + 1)...])
        guard !local.isEmpty, local.count <= 64, !domain.isEmpty, domain.count <= 255 else { return false }
        return (isDotAtom(local) || isQuoted(local)) && (isDomainName(domain) || isLiteral(domain))
    }

    /// RFC 5322 atext, plus any non-ASCII scalar (RFC 6532).
    private static func isAtext(_ s: Unicode.Scalar) -> Bool {
        if s.value >= 0x80 { return true }
        if s.properties.isASCIIHexDigit || ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s) { return true }
        return "!#$%&'*+-/=?^_`{|}~".unicodeScalars.contains(s)
    }

    private static func isDotAtom(_ s: [Unicode.Scalar]) -> Bool {
        guard s.first != ".", s.last != "." else { return false }
        var previousDot = false
        for c in s {
            if c == "." {
                if previousDot { return false }
                previousDot = true
            } else {
                guard isAtext(c) else { return false }
                previousDot = false
            }
        }
        return true
    }

    private static func isQuoted(_ s: [Unicode.Scalar]) -> Bool {
        guard s.count >= 2, s.first == "\"", s.last == "\"" else { return false }
        var escaped = false
        for c in s.dropFirst().dropLast() {
            if escaped { escaped = false; continue }
            if c == "\\" { escaped = true; continue }
            if c == "\"" { return false }
        }
        return !escaped
    }

    private static func isDomainName(_ s: [Unicode.Scalar]) -> Bool {
        let labels = s.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.value >= 0x80 || $0 == "-" || ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) }
        }
    }

    private static func isLiteral(_ s: [Unicode.Scalar]) -> Bool {
        guard s.count >= 3, s.first == "[", s.last == "]" else { return false }
        return s.dropFirst().dropLast().allSatisfy { $0.value > 0x20 && $0.value < 0x7F && $0 != "[" && $0 != "]" && $0 != "\\" }
    }

    /// The text with control characters shown as escapes, for messages.
    static func printable(_ text: String) -> String {
        var out = ""
        for s in text.unicodeScalars {
            switch s {
            case "\r": out += "\\r"
            case "\n": out += "\\n"
            case "\0": out += "\\0"
            default: if s.value < 0x20 || s.value == 0x7F { out += "\\x" + String(s.value, radix: 16) } else { out.unicodeScalars.append(s) }
            }
        }
        return out
    }
}
