import EWSProtocol

/// Reads `m:Restriction` and `m:SortOrder` into the store's ``ItemRestriction`` and
/// ``ItemSortKey``; whatever the simulator cannot evaluate is refused with Exchange's codes,
/// never dropped.
enum RestrictionReader {
    static func path(_ element: XMLElement, sort: Bool = false) throws(EWSError) -> ItemPropertyPath {
        switch element.name {
        case "FieldURI":
            let uri = element.attribute("FieldURI") ?? ""
            guard let field = ItemField.queryable[uri] else { throw unsupported(element, sort: sort) }
            return ItemPropertyPath(target: .field(field))
        case "ExtendedFieldURI":
            return ItemPropertyPath(target: .extended(try ExtendedFieldPath(element).key))
        default:
            throw unsupported(element, sort: sort)
        }
    }

    private static func unsupported(_ element: XMLElement, sort: Bool) -> EWSError {
        let xml = "<t:\(element.name) " + element.attributeNames.map { "\($0)=\"\((element.attribute($0) ?? "").xmlEscaped)\"" }.joined(separator: " ") + "/>"
        return sort
            ? EWSError("ErrorUnsupportedPathForSortGroup", "The property cannot be used for sorting or grouping results.", messageXml: xml)
            : EWSError("ErrorUnsupportedPathForQuery", "The property cannot be used in a restriction.", messageXml: xml)
    }

    /// The path element of a search expression (its first child that names a property).
    private static func pathChild(_ element: XMLElement) -> XMLElement? {
        element.children.first { ["FieldURI", "IndexedFieldURI", "ExtendedFieldURI", "Path"].contains($0.name) }
    }

    /// `m:Restriction` → one expression.
    static func restriction(_ element: XMLElement) throws(EWSError) -> ItemRestriction {
        guard let first = element.children.first, element.children.count == 1 else { throw invalid }
        return try expression(first)
    }

    static let invalid = EWSError("ErrorInvalidRestriction", "The restriction contains an invalid search expression.")

    private static func expression(_ e: XMLElement) throws(EWSError) -> ItemRestriction {
        switch e.name {
        case "And", "Or":
            var parts: [ItemRestriction] = []
            for child in e.children { parts.append(try expression(child)) }
            guard !parts.isEmpty else { throw invalid }
            return e.name == "And" ? .and(parts) : .or(parts)
        case "Not":
            guard let inner = e.children.first, e.children.count == 1 else { throw invalid }
            return .not(try expression(inner))
        case "Exists":
            guard let p = pathChild(e) else { throw invalid }
            return .exists(try path(p))
        case "IsEqualTo", "IsNotEqualTo", "IsGreaterThan", "IsGreaterThanOrEqualTo", "IsLessThan", "IsLessThanOrEqualTo":
            let relation: ItemRestriction.Relation = switch e.name {
            case "IsEqualTo": .equal
            case "IsNotEqualTo": .notEqual
            case "IsGreaterThan": .greater
            case "IsGreaterThanOrEqualTo": .greaterOrEqual
            case "IsLessThan": .less
            default: .lessOrEqual
            }
            guard let p = pathChild(e) else { throw invalid }
            let left = try path(p)
            guard let right = e.child("FieldURIOrConstant")?.children.first else { throw invalid }
            if right.name == "Constant" {
                let text = right.attribute("Value") ?? ""
                guard let value = left.type.normalize(text) else {
                    throw EWSError("ErrorInvalidValueForProperty", "The value '\(text)' is invalid for the property \(p.attribute("FieldURI") ?? p.name).")
                }
                return .compare(left, relation, .constant(value))
            }
            return .compare(left, relation, .property(try path(right)))
        case "Contains":
            guard let p = pathChild(e), let constant = e.child("Constant") else { throw invalid }
            let left = try path(p)
            guard left.type == .string || left.type == .binary else {
                throw EWSError("ErrorUnsupportedQueryFilter", "Contains can only be used on string and binary properties.")
            }
            let modeName = e.attribute("ContainmentMode") ?? "FullString"
            guard let mode = ItemRestriction.ContainmentMode(rawValue: modeName) else { throw invalid }
            return .contains(left, constant.attribute("Value") ?? "", mode, .init(e.attribute("ContainmentComparison") ?? "Exact"))
        case "Excludes":
            throw EWSError("ErrorUnsupportedQueryFilter", "The simulated provider does not evaluate Excludes (bitmask) restrictions.")
        default:
            throw EWSError("ErrorUnsupportedQueryFilter", "The simulated provider does not evaluate \(e.name) restrictions.")
        }
    }

    /// `m:SortOrder` → keys in order.
    static func sortOrder(_ element: XMLElement) throws(EWSError) -> [ItemSortKey] {
        var keys: [ItemSortKey] = []
        for order in element.children("FieldOrder") {
            guard let p = pathChild(order) else { throw invalid }
            keys.append(ItemSortKey(path: try path(p, sort: true), descending: order.attribute("Order") == "Descending"))
        }
        return keys
    }
}
