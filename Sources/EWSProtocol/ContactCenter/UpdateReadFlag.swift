/// UpdateItem setting `message:IsRead` on messages (what a client does when a voicemail is
/// listened to): one response message per item, with the item's new change key.
package struct UpdateReadFlag: EWSOperation {
    package static let name = "UpdateItem"
    /// The items (with their change keys).
    package var items: [ItemIdentifier]
    /// The flag to set.
    package var isRead: Bool

    /// Creates the operation.
    package init(items: [ItemIdentifier], isRead: Bool) {
        self.items = items
        self.isRead = isRead
    }

    package var bodyXML: String {
        "<m:UpdateItem MessageDisposition=\"SaveOnly\" ConflictResolution=\"AutoResolve\"><m:ItemChanges>"
            + items.map {
                "<t:ItemChange>\($0.xml)<t:Updates><t:SetItemField><t:FieldURI FieldURI=\"message:IsRead\"/>"
                    + "<t:Message><t:IsRead>\(isRead)</t:IsRead></t:Message></t:SetItemField></t:Updates></t:ItemChange>"
            }.joined() + "</m:ItemChanges></m:UpdateItem>"
    }

    package func payload(in message: ResponseElement) -> ItemInfo? {
        message.element.child("Items")?.children.first.flatMap(ItemInfo.read)
    }
}
