import Foundation

/// The body element of one `ResponseMessage`, handed to an operation to read its payload.
package struct ResponseElement: Sendable {
    package let element: XMLElement
    package init(_ element: XMLElement) { self.element = element }
}

/// An EWS operation: its SOAP body and how to read the payload of each response message.
package protocol EWSOperation: Sendable {
    /// What one response message carries.
    associatedtype Payload: Sendable
    /// The operation name (`GetFolder`), used for SOAPAction and the response element names.
    static var name: String { get }
    /// The `m:` body element.
    var bodyXML: String { get }
    /// Reads the payload of one response message.
    func payload(in message: ResponseElement) -> Payload?
    /// The response messages of the answer's body element, each with the element its payload is
    /// read from; nil when the body does not hold them where the operation expects. The default
    /// reads `ResponseMessages`; the availability operations (GetUserAvailability,
    /// GetUserOofSettings) answer in shapes of their own.
    func responseMessages(in body: ResponseElement) -> [ResponseMessageElements]?
}

/// One response message as an operation finds it: the `ResponseMessage` element (class, code,
/// text) and the element holding its payload (the same one, except in the availability shapes).
package struct ResponseMessageElements: Sendable {
    /// The element with `ResponseClass` and `ResponseCode`.
    package var message: ResponseElement
    /// The element the payload is read from.
    package var payload: ResponseElement

    /// Pairs a message with its payload holder.
    package init(message: ResponseElement, payload: ResponseElement) {
        self.message = message
        self.payload = payload
    }
}

extension EWSOperation {
    /// The children of `ResponseMessages`, each its own payload holder.
    package func responseMessages(in body: ResponseElement) -> [ResponseMessageElements]? {
        body.element.child("ResponseMessages").map { list in
            list.children.map { ResponseMessageElements(message: ResponseElement($0), payload: ResponseElement($0)) }
        }
    }
}

/// `BaseShape` values.
package enum BaseShape: String, Sendable, Hashable, Codable {
    case idOnly = "IdOnly"
    case `default` = "Default"
    case allProperties = "AllProperties"
}

/// GetFolder: one response message (and one folder) per requested folder.
package struct GetFolder: EWSOperation {
    package static let name = "GetFolder"
    /// The folders to get.
    package var folders: [FolderIdentifier]
    /// The folder shape.
    package var shape: BaseShape

    /// Creates the operation.
    package init(folders: [FolderIdentifier], shape: BaseShape = .default) {
        self.folders = folders
        self.shape = shape
    }

    package var bodyXML: String {
        "<m:GetFolder><m:FolderShape><t:BaseShape>\(shape.rawValue)</t:BaseShape></m:FolderShape><m:FolderIds>"
            + folders.map(\.xml).joined() + "</m:FolderIds></m:GetFolder>"
    }

    package func payload(in message: ResponseElement) -> FolderInfo? {
        guard let folder = message.element.child("Folders")?.children.first else { return nil }
        return FolderInfo.read(folder)
    }
}

/// FindItem (shallow) in one folder, one page.
package struct FindItem: EWSOperation {
    package static let name = "FindItem"
    /// The folder to search.
    package var folder: FolderIdentifier
    /// The item shape.
    package var shape: BaseShape
    /// The page size.
    package var maxEntries: Int
    /// The page offset.
    package var offset: Int

    /// Creates the operation.
    package init(folder: FolderIdentifier, shape: BaseShape = .idOnly, maxEntries: Int = 100, offset: Int = 0) {
        self.folder = folder
        self.shape = shape
        self.maxEntries = maxEntries
        self.offset = offset
    }

    package var bodyXML: String {
        "<m:FindItem Traversal=\"Shallow\"><m:ItemShape><t:BaseShape>\(shape.rawValue)</t:BaseShape>"
            + "<t:AdditionalProperties><t:FieldURI FieldURI=\"item:Subject\"/><t:FieldURI FieldURI=\"item:ItemClass\"/></t:AdditionalProperties>"
            + "</m:ItemShape><m:IndexedPageItemView MaxEntriesReturned=\"\(maxEntries)\" Offset=\"\(offset)\" BasePoint=\"Beginning\"/>"
            + "<m:ParentFolderIds>\(folder.xml)</m:ParentFolderIds></m:FindItem>"
    }

    package func payload(in message: ResponseElement) -> FindItemPage? {
        guard let root = message.element.child("RootFolder") else { return nil }
        let items = root.child("Items")?.children.compactMap(ItemInfo.read) ?? []
        return FindItemPage(items: items, totalItemsInView: root.attribute("TotalItemsInView").flatMap { Int($0) },
                            includesLastItemInRange: root.attribute("IncludesLastItemInRange").map { $0 == "true" })
    }
}

/// GetItem: one response message per item.
package struct GetItem: EWSOperation {
    package static let name = "GetItem"
    /// The items to get.
    package var items: [ItemIdentifier]
    /// The item shape.
    package var shape: BaseShape

    /// Creates the operation.
    package init(items: [ItemIdentifier], shape: BaseShape = .default) {
        self.items = items
        self.shape = shape
    }

    package var bodyXML: String {
        "<m:GetItem><m:ItemShape><t:BaseShape>\(shape.rawValue)</t:BaseShape>"
            + "<t:AdditionalProperties><t:FieldURI FieldURI=\"item:ItemClass\"/><t:FieldURI FieldURI=\"item:Attachments\"/>"
            + "<t:FieldURI FieldURI=\"item:HasAttachments\"/></t:AdditionalProperties></m:ItemShape><m:ItemIds>"
            + items.map(\.xml).joined() + "</m:ItemIds></m:GetItem>"
    }

    package func payload(in message: ResponseElement) -> ItemInfo? {
        message.element.child("Items")?.children.first.flatMap(ItemInfo.read)
    }
}

/// CreateItem of one message with file attachments, saved (not sent) into a folder.
package struct CreateMessage: EWSOperation {
    package static let name = "CreateItem"
    /// The folder to save into.
    package var folder: FolderIdentifier
    /// `ItemClass` (voicemail is `IPM.Note.Microsoft.Voicemail.UM.CA`).
    package var itemClass: String
    /// `Subject`.
    package var subject: String
    /// A plain-text body.
    package var body: String
    /// The files to attach.
    package var attachments: [FileAttachmentContent]
    /// The sender shown, if any.
    package var from: String?
    /// Extended properties to stamp on the item (the run tag, the product's own fields).
    package var extendedProperties: [(ExtendedPropertyPath, String)]

    /// Creates the operation.
    package init(folder: FolderIdentifier, itemClass: String = "IPM.Note", subject: String, body: String,
                attachments: [FileAttachmentContent] = [], from: String? = nil,
                extendedProperties: [(ExtendedPropertyPath, String)] = []) {
        self.folder = folder
        self.itemClass = itemClass
        self.subject = subject
        self.body = body
        self.attachments = attachments
        self.from = from
        self.extendedProperties = extendedProperties
    }

    package var bodyXML: String {
        // Element order follows t:ItemType then t:MessageType, as the schema requires.
        var xml = "<m:CreateItem MessageDisposition=\"SaveOnly\"><m:SavedItemFolderId>\(folder.xml)</m:SavedItemFolderId><m:Items><t:Message>"
        xml += "<t:ItemClass>\(itemClass.xmlEscaped)</t:ItemClass><t:Subject>\(subject.xmlEscaped)</t:Subject>"
        xml += "<t:Body BodyType=\"Text\">\(body.xmlEscaped)</t:Body>"
        if !attachments.isEmpty {
            xml += "<t:Attachments>"
            for a in attachments {
                xml += "<t:FileAttachment><t:Name>\(a.name.xmlEscaped)</t:Name><t:ContentType>\(a.contentType.xmlEscaped)</t:ContentType>"
                xml += "<t:IsInline>false</t:IsInline><t:IsContactPhoto>false</t:IsContactPhoto>"
                xml += "<t:Content>\(Data(a.content).base64EncodedString())</t:Content></t:FileAttachment>"
            }
            xml += "</t:Attachments>"
        }
        // t:ItemType puts ExtendedProperty after Attachments, before the MessageType fields.
        for (path, value) in extendedProperties { xml += path.valueXML(value) }
        if let from {
            xml += "<t:From><t:Mailbox><t:EmailAddress>\(from.xmlEscaped)</t:EmailAddress></t:Mailbox></t:From>"
        }
        xml += "<t:IsRead>false</t:IsRead></t:Message></m:Items></m:CreateItem>"
        return xml
    }

    package func payload(in message: ResponseElement) -> ItemInfo? {
        message.element.child("Items")?.children.first.flatMap(ItemInfo.read)
    }
}

/// GetAttachment: one response message per attachment, with content.
package struct GetAttachment: EWSOperation {
    package static let name = "GetAttachment"
    /// The attachment ids.
    package var attachmentIDs: [String]

    /// Creates the operation.
    package init(attachmentIDs: [String]) { self.attachmentIDs = attachmentIDs }

    package var bodyXML: String {
        "<m:GetAttachment><m:AttachmentIds>"
            + attachmentIDs.map { "<t:AttachmentId Id=\"\($0.xmlEscaped)\"/>" }.joined()
            + "</m:AttachmentIds></m:GetAttachment>"
    }

    package func payload(in message: ResponseElement) -> AttachmentInfo? {
        message.element.child("Attachments")?.children.first.flatMap(AttachmentInfo.read)
    }
}

/// DeleteItem.
package struct DeleteItem: EWSOperation {
    package static let name = "DeleteItem"
    /// `DeleteType` values.
    package enum DeleteType: String, Sendable { case hardDelete = "HardDelete", softDelete = "SoftDelete", moveToDeletedItems = "MoveToDeletedItems" }
    /// The items to delete.
    package var items: [ItemIdentifier]
    /// How to delete.
    package var deleteType: DeleteType

    /// Creates the operation.
    package init(items: [ItemIdentifier], deleteType: DeleteType = .hardDelete) {
        self.items = items
        self.deleteType = deleteType
    }

    package var bodyXML: String {
        // Exchange refuses to delete a calendar item without SendMeetingCancellations (and ignores
        // it for other items): the suite's own appointments go without telling anyone.
        "<m:DeleteItem DeleteType=\"\(deleteType.rawValue)\" SendMeetingCancellations=\"SendToNone\"><m:ItemIds>" + items.map(\.xml).joined() + "</m:ItemIds></m:DeleteItem>"
    }

    package func payload(in message: ResponseElement) -> NoPayload? { NoPayload() }
}

extension FolderInfo {
    static func read(_ e: XMLElement) -> FolderInfo? {
        guard let idElement = e.child("FolderId"), let id = idElement.attribute("Id") else { return nil }
        return FolderInfo(id: id, changeKey: idElement.attribute("ChangeKey"), kind: e.name,
                          displayName: e.child("DisplayName")?.text,
                          totalCount: e.child("TotalCount").flatMap { Int($0.text) },
                          childFolderCount: e.child("ChildFolderCount").flatMap { Int($0.text) },
                          unreadCount: e.child("UnreadCount").flatMap { Int($0.text) })
    }
}

extension ItemInfo {
    static func read(_ e: XMLElement) -> ItemInfo? {
        guard let idElement = e.child("ItemId"), let id = idElement.attribute("Id") else { return nil }
        return ItemInfo(id: id, changeKey: idElement.attribute("ChangeKey"), kind: e.name,
                        itemClass: e.child("ItemClass")?.text, subject: e.child("Subject")?.text,
                        hasAttachments: e.child("HasAttachments").map { $0.text == "true" },
                        attachments: e.child("Attachments")?.children.compactMap(AttachmentInfo.read) ?? [])
    }
}

extension AttachmentInfo {
    static func read(_ e: XMLElement) -> AttachmentInfo? {
        guard let id = e.child("AttachmentId")?.attribute("Id") else { return nil }
        let content = e.child("Content").flatMap { Data(base64Encoded: $0.text, options: .ignoreUnknownCharacters) }.map { [UInt8]($0) }
        return AttachmentInfo(id: id, name: e.child("Name")?.text, contentType: e.child("ContentType")?.text,
                              size: e.child("Size").flatMap { Int($0.text) }, content: content)
    }
}
