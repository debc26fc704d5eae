// The error channel of the plugin ABI: a hook that fails says why instead of returning NULL.

import Foundation

/// What a hook answers when it failed, as opposed to "nothing to change / not handled" (NULL).
///
/// A Swift plugin throws it from a hook closure (any other error thrown becomes one with the
/// error's description as the message).
///
/// On the wire it is the whole output object, `{"error": {"message": "…", "code": "…"}}`, in place
/// of the hook's usual output. The channel is additive within ABI version 1: a host that predates it
/// reads the object as an output of the wrong shape (a diagnostic) or, for `adjust_request`, as
/// "change nothing", so a plugin may always use it.
public struct PluginHookError: Error, Codable, Sendable, Hashable, CustomStringConvertible {
    /// Why the hook failed, for people. Not empty; the host keeps at most ``maximumMessageLength`` characters.
    public var message: String
    /// A short machine-readable reason chosen by the plugin (`directory-unreachable`), or nil.
    public var code: String?

    /// Longest message the host keeps; the rest is cut with "…".
    public static let maximumMessageLength = 500

    /// Creates an error output.
    public init(message: String, code: String? = nil) {
        self.message = message
        self.code = code
    }

    public var description: String { code.map { "\(message) [\($0)]" } ?? message }

    /// What the host refuses in it.
    public func validationProblems() -> [String] {
        var problems: [String] = []
        if message.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append("error.message is empty") }
        if let code, code.isEmpty || code.count > 64
            || !code.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "-_.".unicodeScalars.contains($0)) }) {
            problems.append("error.code must be 1 to 64 ASCII letters, digits, '-', '_' or '.'")
        }
        return problems
    }

    /// The object a hook returns: `{"error": {...}}`.
    public struct Envelope: Codable, Sendable, Hashable {
        /// The error.
        public var error: PluginHookError
        /// Wraps `error`.
        public init(error: PluginHookError) { self.error = error }
    }
}
