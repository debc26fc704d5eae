/// FindItem (shallow, IdOnly with subject) restricted to `item:Subject` equal to a value: finds a
/// message the suite sent (its subject carries the run marker) without relying on the provider
/// searching extended properties; callers confirm the run tag of each candidate with GetItem.
package struct FindItemsBySubject: EWSOperation {
    package static let name = "FindItem"
    /// The folder to search.
    package var folder: FolderIdentifier
    /// The exact subject.
    package var subject: String

    /// Creates the operation.
    package init(folder: FolderIdentifier, subject: String) {
        self.folder = folder
        self.subject = subject
    }

    package var bodyXML: String {
        "<m:FindItem Traversal=\"Shallow\"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
            + "<t:FieldURI FieldURI=\"item:Subject\"/></t:AdditionalProperties></m:ItemShape>"
            + "<m:IndexedPageItemView MaxEntriesReturned=\"50\" Offset=\"0\" BasePoint=\"Beginning\"/>"
            + "<m:Restriction><t:IsEqualTo><t:FieldURI FieldURI=\"item:Subject\"/><t:FieldURIOrConstant><t:Constant Value=\"\(subject.xmlEscaped)\"/>"
            + "</t:FieldURIOrConstant></t:IsEqualTo></m:Restriction><m:ParentFolderIds>\(folder.xml)</m:ParentFolderIds></m:FindItem>"
    }

    package func payload(in message: ResponseElement) -> FindItemPage? {
        guard let root = message.element.child("RootFolder") else { return nil }
        let items = root.child("Items")?.children.compactMap(ItemInfo.read) ?? []
        return FindItemPage(items: items, totalItemsInView: root.attribute("TotalItemsInView").flatMap { Int($0) },
                            includesLastItemInRange: root.attribute("IncludesLastItemInRange").map { $0 == "true" })
    }
}
