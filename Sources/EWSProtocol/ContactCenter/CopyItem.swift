/// CopyItem into a folder: one response message per item, carrying the copy's id.
package struct CopyItem: EWSOperation {
    package static let name = "CopyItem"
    /// The items.
    package var items: [ItemIdentifier]
    /// The destination.
    package var destination: FolderIdentifier

    /// Creates the operation.
    package init(items: [ItemIdentifier], to destination: FolderIdentifier) {
        self.items = items
        self.destination = destination
    }

    package var bodyXML: String {
        "<m:CopyItem><m:ToFolderId>\(destination.xml)</m:ToFolderId><m:ItemIds>" + items.map(\.xml).joined() + "</m:ItemIds></m:CopyItem>"
    }

    package func payload(in message: ResponseElement) -> ItemInfo? {
        message.element.child("Items")?.children.first.flatMap(ItemInfo.read)
    }
}
