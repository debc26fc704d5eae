/// A stable dotted check identifier (`impersonation.primary-smtp.getfolder`). Reports, known
/// deviation lists and CI history key on it, so an id never changes meaning.
package struct CheckID: Sendable, Hashable, Codable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The id.
    package let rawValue: String

    /// Wraps an id.
    package init(_ rawValue: String) { self.rawValue = rawValue }
    package init(stringLiteral value: String) { rawValue = value }
    package init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    package func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    package var description: String { rawValue }
    package static func < (a: CheckID, b: CheckID) -> Bool { a.rawValue < b.rawValue }

    /// The first component (`impersonation`), used as the JUnit class name.
    package var area: String { String(rawValue.split(separator: ".").first ?? Substring(rawValue)) }
}
