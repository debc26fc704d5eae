/// Why a manifest is not usable: names the JSON path and the rule.
package struct ManifestError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The JSON path (`ews.request_server_version`), or empty for the document.
    package var path: String
    /// What is wrong.
    package var message: String

    /// Creates an error.
    package init(path: String, _ message: String) {
        self.path = path
        self.message = message
    }

    package var description: String { path.isEmpty ? message : "\(path): \(message)" }
}
