import EWSProtocol
import Foundation

/// Reads a `t:Message` of CreateItem into a ``StoredItem``: every child element is either kept
/// (and comes back on GetItem) or refused as Exchange refuses it; nothing is accepted and dropped.
struct ItemReader {
    let ids: IDFactory
    let now: Date

    /// Properties Exchange computes; setting one is `ErrorInvalidPropertySet`.
    static let readOnly: [String: String] = [
        "ItemId": "item:ItemId", "ParentFolderId": "item:ParentFolderId", "DateTimeReceived": "item:DateTimeReceived",
        "Size": "item:Size", "IsSubmitted": "item:IsSubmitted", "IsDraft": "item:IsDraft", "IsFromMe": "item:IsFromMe",
        "IsResend": "item:IsResend", "IsUnmodified": "item:IsUnmodified", "InternetMessageHeaders": "item:InternetMessageHeaders",
        "DateTimeSent": "item:DateTimeSent", "DateTimeCreated": "item:DateTimeCreated", "ResponseObjects": "item:ResponseObjects",
        "ReminderNextTime": "item:ReminderNextTime", "DisplayCc": "item:DisplayCc", "DisplayTo": "item:DisplayTo",
        "DisplayBcc": "item:DisplayBcc", "HasAttachments": "item:HasAttachments", "EffectiveRights": "item:EffectiveRights",
        "LastModifiedName": "item:LastModifiedName", "LastModifiedTime": "item:LastModifiedTime",
        "WebClientReadFormQueryString": "item:WebClientReadFormQueryString",
        "WebClientEditFormQueryString": "item:WebClientEditFormQueryString", "ConversationId": "item:ConversationId",
        "UniqueBody": "item:UniqueBody", "StoreEntryId": "item:StoreEntryId", "InstanceKey": "item:InstanceKey",
        "NormalizedBody": "item:NormalizedBody", "Preview": "item:Preview", "TextBody": "item:TextBody",
        "ConversationIndex": "message:ConversationIndex", "ReceivedBy": "message:ReceivedBy",
        "ReceivedRepresenting": "message:ReceivedRepresenting",
    ]

    static let invalidRecipient = EWSError("ErrorInvalidRecipients", "At least one recipient isn't valid.")

    /// The addresses of a recipient list; a mailbox without an SMTP address (a contact or
    /// distribution list reference) is refused, since the simulator cannot resolve it.
    static func addresses(_ element: XMLElement?) throws(EWSError) -> [StoredAddress] {
        var result: [StoredAddress] = []
        for m in element?.children("Mailbox") ?? [] {
            guard let a = address(m) else { throw invalidRecipient }
            result.append(a)
        }
        return result
    }

    static func single(_ element: XMLElement) throws(EWSError) -> StoredAddress {
        guard let m = element.child("Mailbox"), let a = address(m) else { throw invalidRecipient }
        return a
    }

    static func address(_ m: XMLElement) -> StoredAddress? {
        guard let email = m.child("EmailAddress")?.text.trimmingCharacters(in: .whitespaces), !email.isEmpty else { return nil }
        let name = m.child("Name")?.text
        return StoredAddress(name: name?.isEmpty == false ? name : nil, email: email)
    }

    /// The item, or the refusal for its first element the simulator does not keep.
    func read(_ element: XMLElement) throws(EWSError) -> StoredItem {
        var item: StoredItem
        switch element.name {
        case "Message":
            item = StoredItem(id: "", changeKey: "", folderID: "", kind: "Message", itemClass: "IPM.Note", subject: "",
                              body: "", bodyType: "Text", attachments: [], from: nil, toRecipients: [], ccRecipients: [],
                              isRead: true, isDraft: true, importance: "Normal", sensitivity: "Normal", created: now, received: now)
        case "CalendarItem": item = newCalendarItem()
        case "Contact": item = newContact()
        default: throw EWSError.notImplemented("creating \(element.name) items")
        }
        for child in element.children {
            try apply(child, to: &item)
        }
        try finishCalendar(&item)
        try finishContact(&item)
        return item
    }

    /// Elements only a message has (refused on other kinds of item rather than kept unseen).
    static let messageOnly: Set<String> = [
        "Sender", "From", "ToRecipients", "CcRecipients", "BccRecipients", "ReplyTo", "IsRead", "IsReadReceiptRequested",
        "IsDeliveryReceiptRequested", "ConversationTopic", "InternetMessageId", "References", "IsResponseRequested",
    ]


    /// Sets one property element on an item (CreateItem's children, UpdateItem's SetItemField).
    func apply(_ child: XMLElement, to item: inout StoredItem) throws(EWSError) {
        if try applyCalendar(child, to: &item) { return }
        if try applyContact(child, to: &item) { return }
        if item.kind != "Message", Self.messageOnly.contains(child.name) {
            throw EWSError.notImplemented("the property \(child.name) on a \(item.kind)")
        }
        switch child.name {
        case "MimeContent":
            guard item.kind == "Message" else { throw EWSError.notImplemented("MIME content of a \(item.kind)") }
            guard let data = Data(base64Encoded: child.text, options: .ignoreUnknownCharacters) else {
                throw EWSError("ErrorMimeContentInvalidBase64String", "The MIME content is not a valid base64 string.")
            }
            guard let message = MIMEParser.parse([UInt8](data)) else {
                throw EWSError("ErrorMimeContentConversionFailed", "The MIME content could not be converted.")
            }
            message.apply(to: &item, ids: ids, now: now)
            item.mime = [UInt8](data)
        case "ItemClass": item.itemClass = child.text
        case "Subject": item.subject = child.text
        case "Sensitivity": item.sensitivity = child.text
        case "Body":
            item.body = child.text
            item.bodyType = child.attribute("BodyType") ?? "Text"
        case "Attachments": item.attachments += try attachments(child)
        case "Categories": item.categories = child.children("String").map(\.text)
        case "Importance": item.importance = child.text
        case "ExtendedProperty":
            guard let uri = child.child("ExtendedFieldURI") else { throw .invalidExtendedProperty }
            let path = try ExtendedFieldPath(uri)
            item.extended[path.key] = try path.values(of: child)
        case "Sender": item.sender = try Self.single(child)
        case "From": item.from = try Self.single(child)
        case "ToRecipients": item.toRecipients = try Self.addresses(child)
        case "CcRecipients": item.ccRecipients = try Self.addresses(child)
        case "BccRecipients": item.bccRecipients = try Self.addresses(child)
        case "ReplyTo": item.replyTo = try Self.addresses(child)
        case "IsRead": item.isRead = XSBoolean.parse(child.text) ?? item.isRead
        default:
            if let simple = SimpleItemProperty.byElement[child.name] {
                guard let value = simple.type.normalize(child.text) else {
                    throw EWSError("ErrorInvalidValueForProperty", "The value is invalid for property \(simple.uri).",
                                   messageXml: "<t:FieldURI FieldURI=\"\(simple.uri)\"/>")
                }
                item.simple[child.name] = value
            } else if let uri = Self.readOnly[child.name] {
                throw EWSError("ErrorInvalidPropertySet", "Set action is invalid for property.", messageXml: "<t:FieldURI FieldURI=\"\(uri)\"/>")
            } else {
                throw EWSError.notImplemented("the item property \(child.name)")
            }
        }
    }

    func attachments(_ element: XMLElement) throws(EWSError) -> [StoredAttachment] {
        var result: [StoredAttachment] = []
        for a in element.children { result.append(try attachment(a)) }
        return result
    }

    /// One `t:FileAttachment` or `t:ItemAttachment` (with its message, calendar item or contact).
    func attachment(_ a: XMLElement) throws(EWSError) -> StoredAttachment {
        guard a.name == "FileAttachment" || a.name == "ItemAttachment" else { throw EWSError.notImplemented("\(a.name)") }
        let isItem = a.name == "ItemAttachment"
        var attachment = StoredAttachment(id: ids.attachmentID(), name: "", contentType: isItem ? "message/rfc822" : "application/octet-stream",
                                          isInline: false, content: [], lastModified: now)
        for p in a.children {
            if isItem, ["Message", "CalendarItem", "Contact"].contains(p.name) {
                guard attachment.attachedItem == nil else { throw EWSError("ErrorInvalidRequest", "An item attachment holds one item.") }
                var inner = try read(p)
                inner.isDraft = false
                attachment.attachedItem = AttachedItem(inner)
                continue
            }
            switch p.name {
            case "Name": attachment.name = p.text
            case "ContentType": attachment.contentType = p.text
            case "ContentId": attachment.contentID = p.text
            case "IsInline": attachment.isInline = XSBoolean.parse(p.text) ?? false
            case "IsContactPhoto" where XSBoolean.parse(p.text) == false: break
            case "Content" where !isItem:
                guard let data = Data(base64Encoded: p.text, options: .ignoreUnknownCharacters) else {
                    throw EWSError.schemaValidation("The Content element is not valid base64.", line: p.line, position: 1)
                }
                attachment.content = [UInt8](data)
            case "AttachmentId", "Size", "LastModifiedTime":
                throw EWSError("ErrorInvalidPropertySet", "Set action is invalid for property.",
                               messageXml: "<t:FieldURI FieldURI=\"attachment:\(p.name)\"/>")
            default:
                throw EWSError.notImplemented("the attachment property \(p.name)")
            }
        }
        if isItem, attachment.attachedItem == nil {
            throw EWSError("ErrorMissingItemForCreateItemAttachment", "The item attachment has no item.")
        }
        if isItem, attachment.name.isEmpty { attachment.name = attachment.attachedItem?.item.subject ?? "" }
        guard !attachment.name.isEmpty else {
            throw EWSError("ErrorRequiredPropertyMissing", "Required property is missing.",
                           messageXml: "<t:FieldURI FieldURI=\"attachment:Name\"/>")
        }
        return attachment
    }
}
