/// One answer of ``SyncFolderItems``: the new state, whether it is the last page, and the changes.
package struct SyncItemsPage: Sendable, Hashable {
    /// One change of the folder.
    package struct Change: Sendable, Hashable {
        /// `Create`, `Update`, `Delete` or `ReadFlagChange`.
        package var kind: String
        /// The item's id and change key.
        package var identifier: ItemIdentifier
        /// `Subject`, when returned.
        package var subject: String?
        /// `DateTimeReceived`, as sent.
        package var received: String?
        /// `InternetMessageId`, when returned.
        package var internetMessageID: String?
        /// The value of the property asked for, when returned.
        package var value: String?

        static func read(_ e: XMLElement, property: ExtendedPropertyPath) -> Change? {
            if e.name == "Delete" || e.name == "ReadFlagChange" {
                guard let id = e.child("ItemId"), let text = id.attribute("Id") else { return nil }
                return Change(kind: e.name, identifier: ItemIdentifier(id: text, changeKey: id.attribute("ChangeKey")))
            }
            guard let item = e.children.first, let id = item.child("ItemId"), let text = id.attribute("Id") else { return nil }
            return Change(kind: e.name, identifier: ItemIdentifier(id: text, changeKey: id.attribute("ChangeKey")),
                          subject: item.child("Subject")?.text, received: item.child("DateTimeReceived")?.text,
                          internetMessageID: item.child("InternetMessageId")?.text, value: property.value(in: item))
        }
    }

    /// `SyncState`: where the next synchronisation continues.
    package var syncState: String
    /// `IncludesLastItemInRange`.
    package var includesLastItemInRange: Bool
    /// The changes, oldest first.
    package var changes: [Change]
}
