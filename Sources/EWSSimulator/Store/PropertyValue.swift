import Foundation

/// A typed property value of a stored item, as restrictions and sorting compare it.
enum PropertyValue: Sendable, Hashable {
    case string(String)
    case integer(Int64)
    case double(Double)
    case boolean(Bool)
    case date(Date)
    case binary([UInt8])

    /// The text Exchange writes for the value.
    var text: String {
        switch self {
        case .string(let s): return s
        case .integer(let i): return String(i)
        case .double(let d):
            return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .boolean(let b): return b ? "true" : "false"
        case .date(let d): return XSDateTime.format(d)
        case .binary(let b): return Data(b).base64EncodedString()
        }
    }

    /// Orders two values of the same kind; strings compare case-insensitively as the store does.
    /// Nil when the kinds differ (no order between them).
    func compare(_ other: PropertyValue) -> ComparisonResult? {
        switch (self, other) {
        case (.string(let a), .string(let b)): return a.compare(b, options: [.caseInsensitive])
        case (.integer(let a), .integer(let b)): return a == b ? .orderedSame : (a < b ? .orderedAscending : .orderedDescending)
        case (.integer(let a), .double(let b)): return PropertyValue.double(Double(a)).compare(.double(b))
        case (.double(let a), .integer(let b)): return PropertyValue.double(a).compare(.double(Double(b)))
        case (.double(let a), .double(let b)): return a == b ? .orderedSame : (a < b ? .orderedAscending : .orderedDescending)
        case (.boolean(let a), .boolean(let b)): return a == b ? .orderedSame : (!a ? .orderedAscending : .orderedDescending)
        case (.date(let a), .date(let b)): return a.compare(b)
        case (.binary(let a), .binary(let b)):
            if a == b { return .orderedSame }
            return a.lexicographicallyPrecedes(b) ? .orderedAscending : .orderedDescending
        default: return nil
        }
    }
}
