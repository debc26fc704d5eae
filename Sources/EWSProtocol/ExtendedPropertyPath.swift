/// A named MAPI property in a property set (`t:ExtendedFieldURI PropertySetId= PropertyName=`),
/// the form clients use to stamp their own data on items.
package struct ExtendedPropertyPath: Sendable, Hashable, Codable {
    /// The property set GUID.
    package var propertySetID: String
    /// The property name inside the set.
    package var name: String
    /// The MAPI type (`String`, `Integer`, `Boolean`, `SystemTime`…).
    package var type: String

    /// Creates a path.
    package init(propertySetID: String, name: String, type: String = "String") {
        self.propertySetID = propertySetID
        self.name = name
        self.type = type
    }

    /// The `t:ExtendedFieldURI` element.
    package var xml: String {
        "<t:ExtendedFieldURI PropertySetId=\"\(propertySetID.xmlEscaped)\" PropertyName=\"\(name.xmlEscaped)\" PropertyType=\"\(type.xmlEscaped)\"/>"
    }

    /// The `t:ExtendedProperty` element that sets this property to `value` on a new item.
    package func valueXML(_ value: String) -> String {
        "<t:ExtendedProperty>\(xml)<t:Value>\(value.xmlEscaped)</t:Value></t:ExtendedProperty>"
    }

    /// Whether a returned `t:ExtendedProperty` element is this property (GUIDs compared without case).
    func matches(_ property: XMLElement) -> Bool {
        guard let uri = property.child("ExtendedFieldURI") else { return false }
        return uri.attribute("PropertySetId")?.lowercased() == propertySetID.lowercased()
            && uri.attribute("PropertyName") == name
    }

    /// The value of this property among an item's `t:ExtendedProperty` children, if present.
    func value(in item: XMLElement) -> String? {
        item.children("ExtendedProperty").first(where: matches)?.child("Value")?.text
    }
}
