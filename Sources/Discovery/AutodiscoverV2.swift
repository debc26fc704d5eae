import Foundation

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
}
