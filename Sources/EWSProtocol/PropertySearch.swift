/// An item found by ``FindItemsByProperty`` or read by ``GetItemProperty``: its id, subject and
/// the value of the property searched for (nil when the answer did not carry it).
package struct PropertyItem: Sendable, Hashable, Codable {
    /// The item id and change key.
    package var identifier: ItemIdentifier
    /// The subject, when returned.
    package var subject: String?
    /// The value of the searched property, when returned.
    package var value: String?
}

/// One page of ``FindItemsByProperty``.
package struct PropertySearchPage: Sendable, Hashable {
    /// The items of this page.
    package var items: [PropertyItem]
    /// `IncludesLastItemInRange`; nil when not given.
    package var includesLastItemInRange: Bool?
}

/// FindItem (shallow) over one folder with a restriction on an extended property: equal to a value,
/// or merely present. Returns ids, subjects and the property's value, so a caller can confirm each
/// candidate instead of trusting the filter.
package struct FindItemsByProperty: EWSOperation {
    package static let name = "FindItem"
    /// What the restriction asks of the property.
    package enum Match: Sendable, Hashable {
        /// `IsEqualTo` a constant.
        case equals(String)
        /// `Exists`.
        case exists
    }
    /// The folder to search.
    package var folder: FolderIdentifier
    /// The property.
    package var property: ExtendedPropertyPath
    /// The condition.
    package var match: Match
    /// The page size.
    package var maxEntries: Int
    /// The page offset.
    package var offset: Int

    /// Creates the operation.
    package init(folder: FolderIdentifier, property: ExtendedPropertyPath, match: Match, maxEntries: Int = 200, offset: Int = 0) {
        self.folder = folder
        self.property = property
        self.match = match
        self.maxEntries = maxEntries
        self.offset = offset
    }

    package var bodyXML: String {
        let condition: String
        switch match {
        case .equals(let value):
            condition = "<t:IsEqualTo>\(property.xml)<t:FieldURIOrConstant><t:Constant Value=\"\(value.xmlEscaped)\"/></t:FieldURIOrConstant></t:IsEqualTo>"
        case .exists:
            condition = "<t:Exists>\(property.xml)</t:Exists>"
        }
        return "<m:FindItem Traversal=\"Shallow\"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
            + "<t:FieldURI FieldURI=\"item:Subject\"/>\(property.xml)</t:AdditionalProperties></m:ItemShape>"
            + "<m:IndexedPageItemView MaxEntriesReturned=\"\(maxEntries)\" Offset=\"\(offset)\" BasePoint=\"Beginning\"/>"
            + "<m:Restriction>\(condition)</m:Restriction>"
            + "<m:ParentFolderIds>\(folder.xml)</m:ParentFolderIds></m:FindItem>"
    }

    package func payload(in message: ResponseElement) -> PropertySearchPage? {
        guard let root = message.element.child("RootFolder") else { return nil }
        let items = root.child("Items")?.children.compactMap { PropertyItem.read($0, property: property) } ?? []
        return PropertySearchPage(items: items, includesLastItemInRange: root.attribute("IncludesLastItemInRange").map { $0 == "true" })
    }
}

/// GetItem (IdOnly) asking for one extended property and the subject: how a candidate found by a
/// filter is confirmed before anything is done to it.
package struct GetItemProperty: EWSOperation {
    package static let name = "GetItem"
    /// The items.
    package var items: [ItemIdentifier]
    /// The property to read.
    package var property: ExtendedPropertyPath

    /// Creates the operation.
    package init(items: [ItemIdentifier], property: ExtendedPropertyPath) {
        self.items = items
        self.property = property
    }

    package var bodyXML: String {
        "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI=\"item:Subject\"/>"
            + property.xml + "</t:AdditionalProperties></m:ItemShape><m:ItemIds>" + items.map(\.xml).joined() + "</m:ItemIds></m:GetItem>"
    }

    package func payload(in message: ResponseElement) -> PropertyItem? {
        message.element.child("Items")?.children.first.flatMap { PropertyItem.read($0, property: property) }
    }
}

extension PropertyItem {
    static func read(_ e: XMLElement, property: ExtendedPropertyPath) -> PropertyItem? {
        guard let idElement = e.child("ItemId"), let id = idElement.attribute("Id") else { return nil }
        return PropertyItem(identifier: ItemIdentifier(id: id, changeKey: idElement.attribute("ChangeKey")),
                            subject: e.child("Subject")?.text, value: property.value(in: e))
    }
}
