/// Why a manifest is not usable: names the JSON path and the rule.
public struct ManifestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The JSON path (`ews.request_server_version`), or empty for the document.
    public var path: String
    /// What is wrong.
    public var message: String

    /// Creates an error.
    public init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
