/// A stable dotted check identifier (`impersonation.primary-smtp.getfolder`). Reports, known
/// deviation lists and CI history key on it, so an id never changes meaning.
public struct CheckID: Sendable, Hashable, Codable, Comparable, CustomStringConvertible, ExpressibleByStringLiteral {
    /// The id.
    public let rawValue: String

    /// Wraps an id.
    public init(_ rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(String.self) }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public var description: String { rawValue }
    public static func < (a: CheckID, b: CheckID) -> Bool { a.rawValue < b.rawValue }

    /// The first component (`impersonation`), used as the JUnit class name.
    public var area: String { String(rawValue.split(separator: ".").first ?? Substring(rawValue)) }
}
