import Foundation
import EWSProtocol

/// Autodiscover v2: `GET /autodiscover/autodiscover.json/v1.0/<smtp>?Protocol=EWS`, answered with
/// `{"Protocol":"EWS","Url":"…"}`. No Microsoft spec exists; the shape follows Microsoft's own
/// support script and public captures, so this method is reported as unverified.
enum AutodiscoverV2 {
    /// The path for `address` and `protocol`.
    static func path(for address: String, protocol name: String) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "@.-_+"))
        let encoded = address.addingPercentEncoding(withAllowedCharacters: allowed) ?? address
        return "/autodiscover/autodiscover.json/v1.0/\(encoded)?Protocol=\(name)"
    }

    /// Reads an answer body.
    static func read(_ body: [UInt8], protocol name: String) -> AutodiscoverAnswer {
        guard body.count <= 256 * 1024 else { return .malformed("answer larger than 256 KiB") }
        if let first = body.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }), first == 0x3C { // '<'
            let title = XMLPrescan.htmlTitle(in: body).map { " (“\($0)”)" } ?? ""
            return .malformed("an HTML page\(title) or XML instead of JSON")
        }
        if nestingDepth(body) > maxDepth { return .malformed("JSON nests deeper than \(maxDepth) levels") }
        guard let object = try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] else {
            return .malformed("not a JSON object")
        }
        if let code = object["ErrorCode"] as? String {
            return .error(code: code, message: object["ErrorMessage"] as? String ?? "")
        }
        guard let url = (object["Url"] as? String)?.trimmed, !url.isEmpty else { return .malformed("no \"Url\" in the answer") }
        let answered = object["Protocol"] as? String ?? ""
        guard answered.caseInsensitiveCompare(name) == .orderedSame else {
            return .malformed("asked for Protocol \(name), answered Protocol '\(answered)'")
        }
        var settings: [String: String] = ["Protocol": answered]
        if let location = object["ServerLocation"] as? String { settings["ServerLocation"] = location }
        return .settings(ewsURL: url, settings: settings, smtpAddress: nil)
    }

    /// The deepest nesting a v2 answer may have (a real one has 1).
    static let maxDepth = 16

    /// The deepest array/object nesting of `body`, brackets inside strings ignored; checked before the
    /// JSON parser sees the document, like the XML pre-scan.
    static func nestingDepth(_ body: [UInt8]) -> Int {
        var depth = 0, deepest = 0
        var inString = false, escaped = false
        for b in body {
            if inString {
                if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
                continue
            }
            switch b {
            case 0x22: inString = true
            case 0x5B, 0x7B: depth += 1; deepest = max(deepest, depth)
            case 0x5D, 0x7D: depth -= 1
            default: break
            }
        }
        return deepest
    }
}
