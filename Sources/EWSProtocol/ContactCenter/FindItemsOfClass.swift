/// FindItem (shallow, IdOnly with subject and class) restricted to items of one `ItemClass` that
/// carry an extended property equal to a value: `And(IsEqualTo item:ItemClass, IsEqualTo property)`.
/// How a client lists the items it delivered, and nothing else.
package struct FindItemsOfClass: EWSOperation {
    package static let name = "FindItem"
    /// The folder to search.
    package var folder: FolderIdentifier
    /// The item class.
    package var itemClass: String
    /// The property and the value it must have.
    package var property: ExtendedPropertyPath
    /// The value.
    package var value: String
    /// The page size.
    package var maxEntries: Int

    /// Creates the operation.
    package init(folder: FolderIdentifier, itemClass: String, property: ExtendedPropertyPath, value: String, maxEntries: Int = 200) {
        self.folder = folder
        self.itemClass = itemClass
        self.property = property
        self.value = value
        self.maxEntries = maxEntries
    }

    package var bodyXML: String {
        "<m:FindItem Traversal=\"Shallow\"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
            + "<t:FieldURI FieldURI=\"item:Subject\"/><t:FieldURI FieldURI=\"item:ItemClass\"/></t:AdditionalProperties></m:ItemShape>"
            + "<m:IndexedPageItemView MaxEntriesReturned=\"\(maxEntries)\" Offset=\"0\" BasePoint=\"Beginning\"/>"
            + "<m:Restriction><t:And>"
            + "<t:IsEqualTo><t:FieldURI FieldURI=\"item:ItemClass\"/><t:FieldURIOrConstant><t:Constant Value=\"\(itemClass.xmlEscaped)\"/></t:FieldURIOrConstant></t:IsEqualTo>"
            + "<t:IsEqualTo>\(property.xml)<t:FieldURIOrConstant><t:Constant Value=\"\(value.xmlEscaped)\"/></t:FieldURIOrConstant></t:IsEqualTo>"
            + "</t:And></m:Restriction><m:ParentFolderIds>\(folder.xml)</m:ParentFolderIds></m:FindItem>"
    }

    package func payload(in message: ResponseElement) -> FindItemPage? {
        guard let root = message.element.child("RootFolder") else { return nil }
        let items = root.child("Items")?.children.compactMap(ItemInfo.read) ?? []
        return FindItemPage(items: items, totalItemsInView: root.attribute("TotalItemsInView").flatMap { Int($0) },
                            includesLastItemInRange: root.attribute("IncludesLastItemInRange").map { $0 == "true" })
    }
}
