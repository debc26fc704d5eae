/// GetItem (IdOnly plus the fields of ``MessageDetails`` and the extended properties asked for):
/// one response message per item.
package struct GetMessageDetails: EWSOperation {
    package static let name = "GetItem"
    /// The items.
    package var items: [ItemIdentifier]
    /// The extended properties to read back.
    package var properties: [ExtendedPropertyPath]

    /// Creates the operation.
    package init(items: [ItemIdentifier], properties: [ExtendedPropertyPath] = []) {
        self.items = items
        self.properties = properties
    }

    package var bodyXML: String {
        let fields = ["item:ItemClass", "item:Subject", "item:Attachments", "item:HasAttachments", "message:From", "message:IsRead"]
        return "<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
            + fields.map { "<t:FieldURI FieldURI=\"\($0)\"/>" }.joined() + properties.map(\.xml).joined()
            + "</t:AdditionalProperties></m:ItemShape><m:ItemIds>" + items.map(\.xml).joined() + "</m:ItemIds></m:GetItem>"
    }

    package func payload(in message: ResponseElement) -> MessageDetails? {
        guard let e = message.element.child("Items")?.children.first, let idElement = e.child("ItemId"), let id = idElement.attribute("Id") else {
            return nil
        }
        var extended: [ExtendedPropertyPath: String] = [:]
        for path in properties { extended[path] = path.value(in: e) }
        return MessageDetails(identifier: ItemIdentifier(id: id, changeKey: idElement.attribute("ChangeKey")),
                              itemClass: e.child("ItemClass")?.text, subject: e.child("Subject")?.text,
                              from: e.child("From")?.path("Mailbox", "EmailAddress")?.text,
                              isRead: e.child("IsRead").map { $0.text == "true" || $0.text == "1" },
                              attachments: e.child("Attachments")?.children.compactMap(AttachmentInfo.read) ?? [],
                              extended: extended)
    }
}
