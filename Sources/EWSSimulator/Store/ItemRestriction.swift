import Foundation

/// Which property a restriction or sort names: a field of the item or an extended property.
struct ItemPropertyPath: Sendable {
    enum Target: Sendable {
        case field(ItemField)
        case extended(ExtendedPropertyKey)
    }

    var target: Target

    /// The scalar type constants are read as.
    var type: MapiPropertyType {
        switch target {
        case .field(let f): return f.type
        case .extended(let key): return key.type.scalar
        }
    }

    /// The values the item has for the property (none when it is not set).
    func values(_ item: StoredItem) -> [PropertyValue] {
        switch target {
        case .field(let f): return f.values(item)
        case .extended(let key): return item.extended[key] ?? ComputedMapiProperty.values(key, of: item) ?? []
        }
    }
}

/// A FindItem restriction as the store evaluates it (the parsed form of `m:Restriction`).
indirect enum ItemRestriction: Sendable {
    enum Relation: Sendable { case equal, notEqual, greater, greaterOrEqual, less, lessOrEqual }
    enum Operand: Sendable {
        case constant(PropertyValue)
        case property(ItemPropertyPath)
    }
    enum ContainmentMode: String, Sendable { case fullString = "FullString", prefixed = "Prefixed", substring = "Substring",
                                             prefixOnWords = "PrefixOnWords", exactPhrase = "ExactPhrase" }
    struct Comparison: Sendable {
        var ignoreCase = false
        var ignoreNonSpacing = false
        var loose = false

        init(_ name: String) {
            ignoreCase = name.contains("IgnoreCase") || name.hasPrefix("Loose")
            ignoreNonSpacing = name.contains("NonSpac") || name.contains("IgnoreNonSpace")
            loose = name.hasPrefix("Loose")
        }

        var options: String.CompareOptions {
            var o: String.CompareOptions = []
            if ignoreCase { o.insert(.caseInsensitive) }
            if ignoreNonSpacing { o.insert(.diacriticInsensitive) }
            if loose { o.formUnion([.caseInsensitive, .diacriticInsensitive, .widthInsensitive]) }
            return o
        }
    }

    case and([ItemRestriction])
    case or([ItemRestriction])
    case not(ItemRestriction)
    case exists(ItemPropertyPath)
    case compare(ItemPropertyPath, Relation, Operand)
    case contains(ItemPropertyPath, String, ContainmentMode, Comparison)

    /// Whether `item` satisfies the restriction. A comparison with a property the item does not
    /// have is false, whatever the relation (as the store evaluates MAPI property restrictions).
    func matches(_ item: StoredItem) -> Bool {
        switch self {
        case .and(let parts): return parts.allSatisfy { $0.matches(item) }
        case .or(let parts): return parts.contains { $0.matches(item) }
        case .not(let inner): return !inner.matches(item)
        case .exists(let path): return !path.values(item).isEmpty
        case .compare(let path, let relation, let operand):
            let left = path.values(item)
            let right: [PropertyValue]
            switch operand {
            case .constant(let v): right = [v]
            case .property(let other): right = other.values(item)
            }
            return left.contains { l in right.contains { r in Self.holds(relation, l.compare(r)) } }
        case .contains(let path, let needle, let mode, let comparison):
            return path.values(item).contains { value in
                switch value {
                case .string(let s): return Self.contains(s, needle, mode, comparison.options)
                case .binary(let b):
                    let n = [UInt8](needle.utf8)
                    return mode == .fullString ? b == n : (mode == .prefixed ? b.starts(with: n) : Self.contains(String(decoding: b, as: UTF8.self), needle, .substring, []))
                default: return false
                }
            }
        }
    }

    private static func holds(_ relation: Relation, _ order: ComparisonResult?) -> Bool {
        guard let order else { return false }
        switch relation {
        case .equal: return order == .orderedSame
        case .notEqual: return order != .orderedSame
        case .greater: return order == .orderedDescending
        case .greaterOrEqual: return order != .orderedAscending
        case .less: return order == .orderedAscending
        case .lessOrEqual: return order != .orderedDescending
        }
    }

    private static func contains(_ haystack: String, _ needle: String, _ mode: ContainmentMode, _ options: String.CompareOptions) -> Bool {
        switch mode {
        case .fullString:
            return haystack.compare(needle, options: options) == .orderedSame
        case .prefixed:
            return haystack.range(of: needle, options: options.union(.anchored)) != nil
        case .substring:
            return needle.isEmpty || haystack.range(of: needle, options: options) != nil
        case .prefixOnWords:
            return words(haystack).indices.contains { i in
                words(haystack)[i...].joined(separator: " ").range(of: needle, options: options.union(.anchored)) != nil
            }
        case .exactPhrase:
            let hw = words(haystack), nw = words(needle)
            guard !nw.isEmpty, nw.count <= hw.count else { return nw.isEmpty }
            return (0...(hw.count - nw.count)).contains { start in
                zip(hw[start..<(start + nw.count)], nw).allSatisfy { $0.compare($1, options: options) == .orderedSame }
            }
        }
    }

    private static func words(_ s: String) -> [String] {
        s.split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }
}

/// One `t:FieldOrder` of a SortOrder.
struct ItemSortKey: Sendable {
    var path: ItemPropertyPath
    var descending: Bool

    /// Sorts stably by the keys in order; an item without the property sorts before those with it
    /// (ascending), as the store orders missing values.
    static func sort(_ items: [StoredItem], by keys: [ItemSortKey]) -> [StoredItem] {
        guard !keys.isEmpty else { return items }
        let indexed = items.enumerated().map { pair in (pair.offset, pair.element, keys.map { key in key.path.values(pair.element).first }) }
        return indexed.sorted { a, b in
            for (i, key) in keys.enumerated() {
                let order: ComparisonResult
                switch (a.2[i], b.2[i]) {
                case (nil, nil): order = .orderedSame
                case (nil, _): order = .orderedAscending
                case (_, nil): order = .orderedDescending
                case (let x?, let y?): order = x.compare(y) ?? .orderedSame
                }
                if order != .orderedSame { return key.descending ? order == .orderedDescending : order == .orderedAscending }
            }
            return a.0 < b.0
        }.map(\.1)
    }
}
