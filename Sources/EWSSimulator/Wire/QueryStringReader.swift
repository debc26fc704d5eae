import EWSProtocol

/// The simple forms of AQS (`m:QueryString`) as a restriction: words and quoted phrases, and
/// `subject:`, `from:`, `to:`, `cc:`, `body:`, `category:`, `hasattachment:`/`hasattachments:`,
/// `isread:` and `kind:` terms, all of which must match (implicit AND). Anything else — boolean
/// operators, parentheses, ranges, dates — is refused rather than approximated.
enum QueryStringReader {
    static func restriction(_ text: String) throws(EWSError) -> ItemRestriction {
        var terms: [ItemRestriction] = []
        for token in try tokens(text) {
            terms.append(try term(token))
        }
        return terms.isEmpty ? .and([]) : (terms.count == 1 ? terms[0] : .and(terms))
    }

    static func refuse(_ why: String) -> EWSError {
        EWSError("ErrorUnsupportedQueryFilter", "The simulated provider only evaluates simple AQS queries: \(why).")
    }

    private static func tokens(_ text: String) throws(EWSError) -> [String] {
        var result: [String] = []
        var current = ""
        var quoted = false
        for ch in text {
            if ch == "\"" { quoted.toggle(); current.append(ch); continue }
            if ch.isWhitespace && !quoted {
                if !current.isEmpty { result.append(current); current = "" }
                continue
            }
            if !quoted && "()<>=*".contains(ch) { throw refuse("'\(ch)' is not supported") }
            current.append(ch)
        }
        guard !quoted else { throw refuse("unbalanced quotes") }
        if !current.isEmpty { result.append(current) }
        for t in result where ["AND", "OR", "NOT", "NEAR"].contains(t) { throw refuse("the operator \(t) is not supported") }
        return result
    }

    private static func field(_ uri: String) -> ItemPropertyPath {
        // Every URI named here is in ItemField.queryable.
        ItemPropertyPath(target: .field(ItemField.queryable[uri] ?? ItemField(uri: uri, type: .string) { _ in [] }))
    }

    private static func contains(_ uri: String, _ value: String) -> ItemRestriction {
        .contains(field(uri), value, .substring, .init("IgnoreCase"))
    }

    private static func unquote(_ s: String) -> String {
        s.count >= 2 && s.hasPrefix("\"") && s.hasSuffix("\"") ? String(s.dropFirst().dropLast()) : s
    }

    private static func term(_ token: String) throws(EWSError) -> ItemRestriction {
        guard let colon = token.firstIndex(of: ":"), !token.hasPrefix("\"") else {
            let word = unquote(token)
            return .or([contains("item:Subject", word), contains("item:Body", word), contains("message:From", word)])
        }
        let key = token[..<colon].lowercased()
        let value = unquote(String(token[token.index(after: colon)...]))
        guard !value.isEmpty else { throw refuse("the term \(token) has no value") }
        switch key {
        case "subject": return contains("item:Subject", value)
        case "body": return contains("item:Body", value)
        case "from": return contains("message:From", value)
        case "to": return contains("item:DisplayTo", value)
        case "cc": return contains("item:DisplayCc", value)
        case "category", "categories": return .contains(field("item:Categories"), value, .fullString, .init("IgnoreCase"))
        case "hasattachment", "hasattachments", "isread":
            guard let b = XSBoolean.parse(value.lowercased()) ?? (value.lowercased() == "yes" ? true : (value.lowercased() == "no" ? false : nil)) else {
                throw refuse("\(key) takes true or false")
            }
            return .compare(field(key == "isread" ? "message:IsRead" : "item:HasAttachments"), .equal, .constant(.boolean(b)))
        case "kind":
            switch value.lowercased() {
            case "email": return .contains(field("item:ItemClass"), "IPM.Note", .prefixed, .init("IgnoreCase"))
            case "voicemail": return .contains(field("item:ItemClass"), "IPM.Note.Microsoft.Voicemail", .prefixed, .init("IgnoreCase"))
            default: throw refuse("kind:\(value) is not supported")
            }
        default:
            throw refuse("the property \(key) is not supported")
        }
    }
}
