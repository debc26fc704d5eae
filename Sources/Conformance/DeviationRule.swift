import ProviderManifest

/// A known deviation as the recorder applies it: the reason, and the signature a failure must
/// show to be this deviation (nil: any failure of the check, the older, weaker form).
struct DeviationRule: Sendable {
    var reason: String
    var signature: ProviderManifest.KnownDeviation.Signature?

    /// Whether a failure with this message and these facts is the declared deviation; else what
    /// differs, in words.
    func mismatch(message: String, facts: [String: String]) -> String? {
        guard let signature else { return nil }
        var differences: [String] = []
        func compare(_ key: String, _ expected: String?) {
            guard let expected else { return }
            let actual = facts[key]
            if actual != expected { differences.append("\(key) \(expected) expected, \(actual.map { "got \($0)" } ?? "none seen")") }
        }
        compare("response_code", signature.responseCode)
        compare("fault_code", signature.faultCode)
        compare("http_status", signature.httpStatus.map(String.init))
        for (key, value) in (signature.facts ?? [:]).sorted(by: { $0.key < $1.key }) { compare(key, value) }
        if let text = signature.text {
            let haystack = (message + " " + (facts["fault_text"] ?? "") + " " + (facts["message_text"] ?? "")).lowercased()
            if !haystack.contains(text.lowercased()) { differences.append("text \"\(text)\" not found") }
        }
        return differences.isEmpty ? nil : differences.joined(separator: ", ")
    }
}

extension RunProfile {
    /// The profile's known deviations with their signatures.
    var deviationRules: [CheckID: DeviationRule] {
        Dictionary(manifest.knownDeviations.map { d in
            (CheckID(d.check), DeviationRule(reason: d.reason + (d.link.map { " <\($0)>" } ?? ""), signature: d.signature))
        }, uniquingKeysWith: { first, _ in first })
    }
}
