import Foundation

/// The MAPI property types EWS names in `PropertyType` (`t:MapiPropertyTypeType`), with the value
/// forms Exchange accepts and writes back for each.
enum MapiPropertyType: String, Sendable, Hashable, CaseIterable {
    case applicationTime = "ApplicationTime", applicationTimeArray = "ApplicationTimeArray"
    case binary = "Binary", binaryArray = "BinaryArray"
    case boolean = "Boolean"
    case clsid = "CLSID", clsidArray = "CLSIDArray"
    case currency = "Currency", currencyArray = "CurrencyArray"
    case double = "Double", doubleArray = "DoubleArray"
    case error = "Error"
    case float = "Float", floatArray = "FloatArray"
    case integer = "Integer", integerArray = "IntegerArray"
    case long = "Long", longArray = "LongArray"
    case null = "Null"
    case object = "Object", objectArray = "ObjectArray"
    case short = "Short", shortArray = "ShortArray"
    case systemTime = "SystemTime", systemTimeArray = "SystemTimeArray"
    case string = "String", stringArray = "StringArray"

    /// Whether values come as `Values/Value` (multi-valued).
    var isArray: Bool { rawValue.hasSuffix("Array") }

    /// The type of one element of a multi-valued type (the type itself otherwise).
    var scalar: MapiPropertyType {
        isArray ? MapiPropertyType(rawValue: String(rawValue.dropLast(5))) ?? self : self
    }

    /// Types that cannot be set, read or used in restrictions ("Object and Object array can not
    /// be used in restrictions, or for setting/getting values", types.xsd).
    var isUsable: Bool { ![.error, .null, .object, .objectArray].contains(self) }

    /// Reads one value the way Exchange does and writes it back in Exchange's canonical form;
    /// nil when the text is not a value of this type.
    func normalize(_ text: String) -> PropertyValue? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        switch scalar {
        case .string: return .string(text)
        case .boolean: return XSBoolean.parse(t).map(PropertyValue.boolean)
        case .short:
            guard let v = Int64(t), v >= Int64(Int16.min), v <= Int64(Int16.max) else { return nil }
            return .integer(v)
        case .integer:
            guard let v = Int64(t), v >= Int64(Int32.min), v <= Int64(Int32.max) else { return nil }
            return .integer(v)
        case .long, .currency:
            return Int64(t).map(PropertyValue.integer)
        case .double, .applicationTime:
            guard let v = Double(t), v.isFinite else { return nil }
            return .double(v)
        case .float:
            guard let v = Float(t), v.isFinite else { return nil }
            return .double(Double(v))
        case .systemTime: return XSDateTime.parse(t).map(PropertyValue.date)
        case .binary:
            return Data(base64Encoded: t, options: .ignoreUnknownCharacters).map { .binary([UInt8]($0)) }
        case .clsid: return UUID(uuidString: t).map { .string($0.uuidString.lowercased()) }
        default: return nil
        }
    }
}

/// `xs:boolean` in all four spellings (`true`, `false`, `1`, `0`), surrounding blanks allowed.
enum XSBoolean {
    static func parse(_ text: String) -> Bool? {
        switch text.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "true", "1": return true
        case "false", "0": return false
        default: return nil
        }
    }
}

/// `xs:dateTime` as clients send it: with or without fractional seconds, `Z` or an offset; a
/// value without a zone is read as UTC (Exchange reads it in the request's time zone context,
/// UTC when there is none).
enum XSDateTime {
    static func parse(_ text: String) -> Date? {
        var t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        let time = t.dropFirst(10)
        if !time.contains("Z") && !time.contains("+") && !time.contains("-") { t += "Z" }
        if let d = try? Date(t, strategy: .iso8601) { return d }
        return try? Date(t, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    /// Exchange writes UTC times with a `Z` and no fraction.
    static func format(_ d: Date) -> String { d.formatted(.iso8601) }
}
