extension String {
    /// The string escaped for XML text and attribute values.
    package var xmlEscaped: String { escapedForXML(whitespaceAsReferences: false) }

    /// The string escaped for an attribute value that must keep its line breaks and tabs: a parser
    /// turns raw ones into spaces (XML 1.0 §3.3.3), character references survive.
    package var xmlAttributeEscaped: String { escapedForXML(whitespaceAsReferences: true) }

    private func escapedForXML(whitespaceAsReferences: Bool) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for scalar in unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n" where whitespaceAsReferences: out += "&#10;"
            case "\r" where whitespaceAsReferences: out += "&#13;"
            case "\t" where whitespaceAsReferences: out += "&#9;"
            default:
                // Characters XML 1.0 cannot carry at all are dropped rather than sent malformed.
                let v = scalar.value
                if v == 0x9 || v == 0xA || v == 0xD || (v >= 0x20 && v <= 0xD7FF) || (v >= 0xE000 && v <= 0xFFFD) || v >= 0x10000 {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }
}
