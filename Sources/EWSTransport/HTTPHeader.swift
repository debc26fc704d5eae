/// One HTTP header field, name as sent.
package struct HTTPHeader: Sendable, Hashable, Codable {
    /// The field name.
    package var name: String
    /// The field value.
    package var value: String

    /// Creates a header field.
    package init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

extension Array where Element == HTTPHeader {
    /// The first value of a header, by case-insensitive name.
    package func first(_ name: String) -> String? {
        first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// All values of a header, by case-insensitive name, in order.
    package func all(_ name: String) -> [String] {
        filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }
}
