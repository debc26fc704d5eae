/// Which of the two item transfers: MoveItem or CopyItem.
package protocol ItemTransferVerb: Sendable {
    /// The operation name.
    static var name: String { get }
}

/// MoveItem: the item's new id comes back (Exchange ids name the folder, so a moved item has a new one).
package enum MoveVerb: ItemTransferVerb { package static let name = "MoveItem" }

/// CopyItem: the copy's id comes back.
package enum CopyVerb: ItemTransferVerb { package static let name = "CopyItem" }

/// MoveItem or CopyItem into a folder: the same request and answer, one verb apart. One response
/// message per item, carrying the id of the item now in the destination.
package struct ItemTransfer<Verb: ItemTransferVerb>: EWSOperation {
    package static var name: String { Verb.name }
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
        "<m:\(Self.name)><m:ToFolderId>\(destination.xml)</m:ToFolderId><m:ItemIds>" + items.map(\.xml).joined() + "</m:ItemIds></m:\(Self.name)>"
    }

    package func payload(in message: ResponseElement) -> ItemInfo? {
        message.element.child("Items")?.children.first.flatMap(ItemInfo.read)
    }
}

/// MoveItem into a folder.
package typealias MoveItem = ItemTransfer<MoveVerb>
/// CopyItem into a folder.
package typealias CopyItem = ItemTransfer<CopyVerb>
