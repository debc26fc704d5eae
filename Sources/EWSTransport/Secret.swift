/// A credential value (password, token, client secret) that never prints itself.
///
/// `description`, `debugDescription` and reflection all show `<redacted>`; the only way to the
/// value is ``withUnsafeValue(_:)``, which the transport calls at the point of use.
package struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable
{
    private let value: String

    /// Wraps a secret value.
    package init(_ value: String) { self.value = value }

    /// Gives the secret to `body`; keep it out of anything that outlives the call.
    package func withUnsafeValue<R>(_ body: (String) throws -> R) rethrows -> R { try body(value) }

    /// Whether the secret is the empty string.
    package var isEmpty: Bool { value.isEmpty }

    package var description: String { "<redacted>" }
    package var debugDescription: String { "<redacted>" }
    package var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}
