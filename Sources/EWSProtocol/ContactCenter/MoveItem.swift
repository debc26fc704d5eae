/// MoveItem into a folder: one response message per item, carrying the item's new id (Exchange
/// ids name the folder, so a moved item has a new one).
package struct MoveItem: EWSOperation {
    package static let name = "MoveItem"
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
        "<m:MoveItem><m:ToFolderId>\(destination.xml)</m:ToFolderId><m:ItemIds>" + items.map(\.xml).joined() + "</m:ItemIds></m:MoveItem>"
    }

    package func payload(in message: ResponseElement) -> ItemInfo? {
        message.element.child("Items")?.children.first.flatMap(ItemInfo.read)
    }
}
