import EWSProtocol
import Foundation

/// A `t:ExtendedFieldURI` as a client wrote it: the store key it names, and the attributes to
/// write back (Exchange answers in the form that was asked: a distinguished set stays one, a
/// tag comes back as lower-case hex, a GUID in lower case).
struct ExtendedFieldPath: Sendable, Hashable {
    var key: ExtendedPropertyKey
    var distinguishedSet: String?

    /// Reads the attributes; the combinations the schema documents are the only ones accepted:
    /// (DistinguishedPropertySetId | PropertySetId) + (PropertyName | PropertyId), or PropertyTag.
    init(_ element: XMLElement) throws(EWSError) {
        guard let typeName = element.attribute("PropertyType"), let type = MapiPropertyType(rawValue: typeName) else {
            throw .invalidExtendedProperty
        }
        guard type.isUsable else {
            throw EWSError("ErrorUnsupportedMapiPropertyType", "The MAPI property type \(typeName) is not supported.")
        }
        let dps = element.attribute("DistinguishedPropertySetId")
        let psid = element.attribute("PropertySetId")
        let tag = element.attribute("PropertyTag")
        let name = element.attribute("PropertyName")
        let id = element.attribute("PropertyId")
        if let tag {
            guard dps == nil, psid == nil, name == nil, id == nil, let value = Self.parseTag(tag) else { throw .invalidExtendedProperty }
            key = ExtendedPropertyKey(identity: .tag(value), type: type)
            distinguishedSet = nil
            return
        }
        let set: String
        switch (dps, psid) {
        case (let d?, nil):
            guard let guid = ExtendedPropertyKey.distinguishedSets[d] else { throw .invalidExtendedProperty }
            set = guid
        case (nil, let p?):
            guard let uuid = UUID(uuidString: p.trimmingCharacters(in: .whitespaces)) else { throw .invalidExtendedProperty }
            set = uuid.uuidString.lowercased()
        default:
            throw .invalidExtendedProperty
        }
        switch (name, id) {
        case (let n?, nil):
            guard !n.isEmpty else { throw .invalidExtendedProperty }
            // Internet header names are case-insensitive (PS_INTERNET_HEADERS).
            let stored = set == ExtendedPropertyKey.distinguishedSets["InternetHeaders"] ? n.lowercased() : n
            key = ExtendedPropertyKey(identity: .name(set: set, name: stored), type: type)
        case (nil, let i?):
            guard let value = Int32(i.trimmingCharacters(in: .whitespaces)) else { throw .invalidExtendedProperty }
            key = ExtendedPropertyKey(identity: .id(set: set, id: value), type: type)
        default:
            throw .invalidExtendedProperty
        }
        distinguishedSet = dps
    }

    private static func parseTag(_ text: String) -> UInt16? {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if t.hasPrefix("0x") { return UInt16(t.dropFirst(2), radix: 16) }
        return UInt16(t)
    }

    /// `<t:ExtendedFieldURI …/>` as Exchange writes it back.
    var xml: String {
        var attrs = ""
        switch key.identity {
        case .tag(let tag):
            attrs = "PropertyTag=\"0x\(String(tag, radix: 16))\""
        case .name(let set, let name):
            attrs = setAttribute(set) + " PropertyName=\"\(name.xmlEscaped)\""
        case .id(let set, let id):
            attrs = setAttribute(set) + " PropertyId=\"\(id)\""
        }
        return "<t:ExtendedFieldURI \(attrs) PropertyType=\"\(key.type.rawValue)\"/>"
    }

    private func setAttribute(_ guid: String) -> String {
        if let distinguishedSet { return "DistinguishedPropertySetId=\"\(distinguishedSet)\"" }
        return "PropertySetId=\"\(guid)\""
    }

    /// Reads the value(s) of a `t:ExtendedProperty` (`Value` for single types, `Values` for arrays).
    func values(of property: XMLElement) throws(EWSError) -> [PropertyValue] {
        let texts: [String]
        if key.type.isArray {
            guard let list = property.child("Values"), property.child("Value") == nil else { throw .invalidExtendedPropertyValue }
            texts = list.children("Value").map(\.text)
        } else {
            guard let single = property.child("Value"), property.child("Values") == nil else { throw .invalidExtendedPropertyValue }
            texts = [single.text]
        }
        var values: [PropertyValue] = []
        for text in texts {
            guard let v = key.type.normalize(text) else { throw .invalidExtendedPropertyValue }
            values.append(v)
        }
        return values
    }

    /// `<t:ExtendedProperty>` with the stored values.
    func propertyXML(_ values: [PropertyValue]) -> String {
        let body = key.type.isArray
            ? "<t:Values>" + values.map { "<t:Value>\($0.text.xmlEscaped)</t:Value>" }.joined() + "</t:Values>"
            : "<t:Value>\((values.first?.text ?? "").xmlEscaped)</t:Value>"
        return "<t:ExtendedProperty>\(xml)\(body)</t:ExtendedProperty>"
    }
}

extension EWSError {
    static let invalidExtendedProperty = EWSError("ErrorInvalidExtendedProperty", "The extended property attribute combination is invalid.")
    static let invalidExtendedPropertyValue = EWSError("ErrorInvalidExtendedPropertyValue", "The extended property value is inconsistent with its type.")
}
