import Foundation

/// CreateItem of one message uploaded as MIME (`t:MimeContent`), saved into a folder, with an
/// item class, extended properties and the read flag stated next to the MIME (how gateways
/// deliver voicemail and fax they received as e-mail).
package struct CreateMimeMessage: EWSOperation {
    package static let name = "CreateItem"
    /// The folder to save into.
    package var folder: FolderIdentifier
    /// The RFC 5322 message.
    package var mime: [UInt8]
    /// `ItemClass`.
    package var itemClass: String
    /// Extended properties to stamp on the item.
    package var extendedProperties: [(ExtendedPropertyPath, String)]
    /// `IsRead`, stated explicitly.
    package var isRead: Bool

    /// Creates the operation.
    package init(folder: FolderIdentifier, mime: [UInt8], itemClass: String, extendedProperties: [(ExtendedPropertyPath, String)] = [],
                 isRead: Bool = false) {
        self.folder = folder
        self.mime = mime
        self.itemClass = itemClass
        self.extendedProperties = extendedProperties
        self.isRead = isRead
    }

    package var bodyXML: String {
        // t:ItemType order: MimeContent, ItemClass, …, ExtendedProperty; then t:MessageType's IsRead.
        var xml = "<m:CreateItem MessageDisposition=\"SaveOnly\"><m:SavedItemFolderId>\(folder.xml)</m:SavedItemFolderId><m:Items><t:Message>"
        xml += "<t:MimeContent CharacterSet=\"UTF-8\">\(Data(mime).base64EncodedString())</t:MimeContent>"
        xml += "<t:ItemClass>\(itemClass.xmlEscaped)</t:ItemClass>"
        for (path, value) in extendedProperties { xml += path.valueXML(value) }
        xml += "<t:IsRead>\(isRead)</t:IsRead></t:Message></m:Items></m:CreateItem>"
        return xml
    }

    package func payload(in message: ResponseElement) -> ItemInfo? {
        message.element.child("Items")?.children.first.flatMap(ItemInfo.read)
    }
}
