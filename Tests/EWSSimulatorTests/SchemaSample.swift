@testable import EWSProtocol
import EWSTestSupport
import Foundation

/// Reads the EWS schema (messages.xsd, types.xsd) and writes small valid instances of its
/// elements: required attributes and children only, first choice, first enumeration value.
/// Used to walk every request element the simulator accepts.
final class SchemaSample {
    struct Declaration {
        var name: String
        var prefix: String           // m or t: the namespace the element is in
        var type: String?            // QName of the type (m:X, t:X, xs:X)
        var inline: XMLElement?      // an anonymous type
        var optional: Bool
    }

    /// A position in a sequence: one element, or a choice of several.
    struct Slot {
        var options: [Declaration]
        var optional: Bool
    }

    private var complexTypes: [String: (XMLElement, String)] = [:]
    private var simpleTypes: [String: (XMLElement, String)] = [:]
    private var elements: [String: (XMLElement, String)] = [:]
    private var substitutions: [String: [String]] = [:]
    private let trees: [XMLTree]
    /// Hand samples for types whose patterns a generator cannot satisfy.
    var overrides: [String: String] = [
        "t:GuidType": "c11ff724-aa03-4555-9952-8fa248a11c3e",
        "t:PropertyTagType": "0x1000",
        "xs:language": "en-US",
    ]

    /// Hand contents for complex types whose required parts alone say nothing (an address).
    var complexOverrides: [String: String] = [
        "t:EmailAddressType": "<t:Name>Walk Sample</t:Name><t:EmailAddress>walk@contoso.com</t:EmailAddress>",
    ]

    init(directory: String) throws {
        var trees: [XMLTree] = []
        for (file, prefix) in [("types.xsd", "t"), ("messages.xsd", "m")] {
            let data = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file))
            let tree = try XMLTree(parsing: [UInt8](data), maxBytes: 64 * 1024 * 1024)
            trees.append(tree)
            for node in tree.root?.children ?? [] {
                guard let name = node.attribute("name") else { continue }
                let q = "\(prefix):\(name)"
                switch node.name {
                case "complexType": complexTypes[q] = (node, prefix)
                case "simpleType": simpleTypes[q] = (node, prefix)
                case "element":
                    elements[q] = (node, prefix)
                    if let group = node.attribute("substitutionGroup") { substitutions[group, default: []].append(q) }
                default: break
                }
            }
        }
        self.trees = trees
    }

    /// The declaration of a global element (`m:FindItem`).
    func element(_ qname: String) -> Declaration? {
        guard let (node, prefix) = elements[qname] else { return nil }
        return declaration(node, prefix: prefix)
    }

    private func declaration(_ node: XMLElement, prefix: String) -> Declaration {
        if let ref = node.attribute("ref") {
            let target = elements[ref]
            var d = target.map { declaration($0.0, prefix: $0.1) } ?? Declaration(name: String(ref.dropFirst(2)), prefix: String(ref.prefix(1)), type: nil, inline: nil, optional: true)
            d.optional = node.attribute("minOccurs") == "0"
            return d
        }
        return Declaration(name: node.attribute("name") ?? "?", prefix: prefix, type: node.attribute("type"),
                           inline: node.child("complexType") ?? node.child("simpleType"), optional: node.attribute("minOccurs") == "0")
    }

    /// The content slots of a complex type, base type first (complexContent extension).
    func slots(ofType qname: String) -> [Slot] {
        guard let (node, prefix) = complexTypes[qname] else { return [] }
        return slots(node, prefix: prefix)
    }

    private func slots(_ type: XMLElement, prefix: String) -> [Slot] {
        if let ext = type.child("complexContent")?.child("extension") {
            return (ext.attribute("base").map { slots(ofType: $0) } ?? []) + group(ext, prefix: prefix)
        }
        if let res = type.child("complexContent")?.child("restriction") { return group(res, prefix: prefix) }
        return group(type, prefix: prefix)
    }

    private func group(_ node: XMLElement, prefix: String) -> [Slot] {
        var result: [Slot] = []
        for child in node.children {
            switch child.name {
            case "sequence":
                let inner = group(child, prefix: prefix)
                result += child.attribute("minOccurs") == "0" ? inner.map { Slot(options: $0.options, optional: true) } : inner
            case "choice":
                var options: [Declaration] = []
                for option in child.children {
                    if option.name == "element" {
                        let d = declaration(option, prefix: prefix)
                        // A substitution group head stands for its members.
                        if let ref = option.attribute("ref"), let members = substitutions[ref] {
                            options += members.compactMap(element)
                        } else {
                            options.append(d)
                        }
                    } else if option.name == "sequence" {
                        options += group(option, prefix: prefix).flatMap(\.options)
                    }
                }
                if !options.isEmpty { result.append(Slot(options: options, optional: child.attribute("minOccurs") == "0")) }
            case "element":
                let d = declaration(child, prefix: prefix)
                result.append(Slot(options: [d], optional: d.optional))
            default: break
            }
        }
        return result
    }

    /// Attributes (`use="required"` only) of a type, with sample values.
    private func requiredAttributes(_ type: XMLElement) -> String {
        var nodes: [XMLElement] = type.children("attribute")
        for wrapper in [type.child("complexContent")?.child("extension"), type.child("simpleContent")?.child("extension"),
                        type.child("complexContent")?.child("restriction")] {
            if let w = wrapper {
                nodes += w.children("attribute")
                if let base = w.attribute("base"), let (b, _) = complexTypes[base] { nodes += requiredAttributeNodes(b) }
            }
        }
        return nodes.filter { $0.attribute("use") == "required" }.map { a in
            " \(a.attribute("name") ?? "x")=\"\(simpleSample(a.attribute("type") ?? "xs:string").xmlEscaped)\""
        }.joined()
    }

    private func requiredAttributeNodes(_ type: XMLElement) -> [XMLElement] {
        var nodes = type.children("attribute")
        for w in [type.child("complexContent")?.child("extension"), type.child("simpleContent")?.child("extension")] {
            if let w { nodes += w.children("attribute") }
        }
        return nodes
    }

    /// A sample value of a simple type.
    func simpleSample(_ qname: String) -> String {
        if let o = overrides[qname] { return o }
        switch qname {
        case "xs:boolean": return "true"
        case "xs:int", "xs:long", "xs:short", "xs:integer", "xs:unsignedShort", "xs:unsignedInt", "xs:unsignedLong",
             "xs:nonNegativeInteger", "xs:positiveInteger", "xs:byte", "xs:unsignedByte": return "1"
        case "xs:double", "xs:float", "xs:decimal": return "1.5"
        case "xs:dateTime": return "2026-01-02T03:04:05Z"
        case "xs:date": return "2026-01-02"
        case "xs:time": return "03:04:05"
        case "xs:duration": return "PT1H"
        case "xs:base64Binary": return "AQID"
        case "xs:hexBinary": return "0A"
        case "xs:anyURI": return "http://example.com/"
        case _ where qname.hasPrefix("xs:"): return "sample"
        default: break
        }
        guard let (node, _) = simpleTypes[qname] else { return "sample" }
        return simpleSample(node)
    }

    private func simpleSample(_ node: XMLElement) -> String {
        if let r = node.child("restriction") {
            if let e = r.child("enumeration")?.attribute("value") { return e }
            if let base = r.attribute("base") { return simpleSample(base) }
            if let inner = r.child("simpleType") { return simpleSample(inner) }
        }
        if let u = node.child("union") {
            if let first = u.attribute("memberTypes")?.split(separator: " ").first { return simpleSample(String(first)) }
            if let inner = u.child("simpleType") { return simpleSample(inner) }
        }
        if let l = node.child("list") { return l.attribute("itemType").map(simpleSample) ?? "sample" }
        return "sample"
    }

    /// A sample instance of an element: `<t:Name …>…</t:Name>`.
    func sample(_ d: Declaration, depth: Int = 0) -> String {
        let tag = "\(d.prefix):\(d.name)"
        if let type = d.type, overrides[type] != nil || type.hasPrefix("xs:") || simpleTypes[type] != nil {
            return "<\(tag)>\(simpleSample(type).xmlEscaped)</\(tag)>"
        }
        if let type = d.type, let inner = complexOverrides[type] { return "<\(tag)>\(inner)</\(tag)>" }
        let node: XMLElement? = d.inline ?? d.type.flatMap { complexTypes[$0]?.0 }
        guard let node, depth < 8 else { return "<\(tag)/>" }
        if node.name == "simpleType" { return "<\(tag)>\(simpleSample(node).xmlEscaped)</\(tag)>" }
        let attributes = requiredAttributes(node)
        if let simple = node.child("simpleContent")?.child("extension") ?? node.child("simpleContent")?.child("restriction") {
            return "<\(tag)\(attributes)>\(simpleSample(simple.attribute("base") ?? "xs:string").xmlEscaped)</\(tag)>"
        }
        let prefix = d.type.map { String($0.prefix(1)) } ?? d.prefix
        let all = slots(node, prefix: prefix)
        var content = all.filter { !$0.optional }.compactMap { slot in
            slot.options.first.map { sample($0, depth: depth + 1) }
        }.joined()
        // An array with only optional entries gets one, or it would say nothing.
        if content.isEmpty, attributes.isEmpty, let first = all.first?.options.first {
            content = sample(first, depth: depth + 1)
        }
        return "<\(tag)\(attributes)>\(content)</\(tag)>"
    }

    /// Every value of `UnindexedFieldURIType` with a prefix (`folder` → `folder:DisplayName`, …),
    /// or every value at all (nil).
    func fieldURIs(prefix: String?) -> [String] {
        guard let (node, _) = simpleTypes["t:UnindexedFieldURIType"] else { return [] }
        let all = node.child("restriction")?.children("enumeration").compactMap { $0.attribute("value") } ?? []
        return prefix.map { p in all.filter { $0.hasPrefix(p + ":") } } ?? all
    }

    /// The FieldURI of an item or message property (`item:Subject`), from `UnindexedFieldURIType`.
    func fieldURI(for element: String, prefixes: [String] = ["message", "item"]) -> String? {
        guard let (node, _) = simpleTypes["t:UnindexedFieldURIType"] else { return nil }
        let values = Set(node.child("restriction")?.children("enumeration").compactMap { $0.attribute("value") } ?? [])
        return prefixes.lazy.map { "\($0):\(element)" }.first { values.contains($0) }
    }
}
