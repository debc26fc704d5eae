import EWSProtocol
import Foundation

/// Writes items in the element order of `t:ItemType` then `t:MessageType`, with the properties a
/// shape asks for: IdOnly, Default (FindItem's smaller set, GetItem's larger one), AllProperties,
/// plus `AdditionalProperties` field URIs and extended properties.
struct ItemSerializer {
    enum Context { case findItem, getItem }

    /// Fields in schema order, with their FieldURI and whether the Default shape has them.
    private static let fields: [(uri: String, findDefault: Bool, getDefault: Bool)] = [
        ("item:ParentFolderId", true, true), ("item:ItemClass", true, true), ("item:Subject", true, true),
        ("item:Sensitivity", true, true), ("item:Body", false, true), ("item:Attachments", false, true),
        ("item:DateTimeReceived", true, true), ("item:Size", true, true), ("item:Categories", false, true),
        ("item:Importance", true, true), ("item:InReplyTo", false, true),
        ("item:IsSubmitted", true, true), ("item:IsDraft", true, true), ("item:IsFromMe", true, true),
        ("item:IsResend", true, true), ("item:IsUnmodified", true, true), ("item:InternetMessageHeaders", false, false),
        ("item:DateTimeSent", true, true), ("item:DateTimeCreated", true, true), ("item:ResponseObjects", false, false),
        ("item:ReminderDueBy", false, true), ("item:ReminderIsSet", false, true), ("item:ReminderMinutesBeforeStart", false, true),
        ("item:DisplayCc", true, true), ("item:DisplayTo", true, true), ("item:DisplayBcc", false, false),
        ("item:HasAttachments", true, true), ("@extended", true, true), ("item:Culture", true, true),
        ("item:EffectiveRights", false, false), ("item:LastModifiedName", false, false), ("item:LastModifiedTime", false, true), ("item:IsAssociated", false, false),
        ("item:WebClientReadFormQueryString", false, false), ("item:WebClientEditFormQueryString", false, false),
        ("item:ConversationId", false, false), ("item:UniqueBody", false, false),
        ("item:Preview", false, false), ("item:TextBody", false, false),
        ("message:Sender", false, true), ("message:ToRecipients", false, true), ("message:CcRecipients", false, true),
        ("message:BccRecipients", false, true), ("message:IsReadReceiptRequested", false, true),
        ("message:IsDeliveryReceiptRequested", false, true), ("message:ConversationIndex", false, false),
        ("message:ConversationTopic", false, true),
        ("message:From", true, true), ("message:InternetMessageId", false, true), ("message:IsRead", true, true),
        ("message:IsResponseRequested", false, true), ("message:References", false, true), ("message:ReplyTo", false, true),
        ("message:ReceivedBy", false, false), ("message:ReceivedRepresenting", false, false),
    ]

    private static let itemFields = fields.filter { !$0.uri.hasPrefix("message:") }
    private static let messageFields = itemFields + fields.filter { $0.uri.hasPrefix("message:") }
    private static let calendarItemFields = itemFields + calendarFields
    private static let meetingRequestItemFields = messageFields + meetingRequestFields
    private static let meetingResponseItemFields = messageFields + meetingResponseFields
    private static let contactItemFields = itemFields + contactFields

    /// Every field URI the serializer writes for some kind of item (a shape may ask for any of them
    /// whatever the kind: a property an item's type does not have is left out, as Exchange does).
    static let writtenFieldURIs: Set<String> = Set(
        (fields + calendarFields + meetingRequestFields + meetingResponseFields + contactFields).map(\.uri) + ["item:ItemId", "item:MimeContent"]
    ).subtracting(["@extended"])

    /// The fields of a kind of item, in the order of its schema type.
    static func fields(for kind: String) -> [(uri: String, findDefault: Bool, getDefault: Bool)] {
        switch kind {
        case "CalendarItem": return calendarItemFields
        case "MeetingRequest": return meetingRequestItemFields
        case "MeetingResponse": return meetingResponseItemFields
        case "Contact": return contactItemFields
        default: return messageFields
        }
    }

    let shape: ItemResponseShape
    let context: Context
    let folderChangeKey: (String) -> String
    /// The mailbox the items are in (nil inside attachments and ResolveNames): it is every item's
    /// last modifier here, and the receiver of what transport delivered.
    var owner: StoredAddress? = nil
    /// The other meetings of the owner's calendar around an item's time (nil inside attachments and
    /// ResolveNames): the source of its conflicting and adjacent meetings.
    var meetingsAround: ((StoredItem) -> [StoredItem])? = nil
    /// Outlook on the web on the external host (`https://mail.contoso.com/owa/`; nil inside
    /// attachments and ResolveNames, whose items OWA cannot open on their own): the base of the form URLs.
    var owaURL: String? = nil

    // Format styles are values (Sendable, no per-call formatter object): items are serialised by
    // the hundred per FindItem page.
    static func date(_ d: Date) -> String { d.formatted(.iso8601) }

    static func mailbox(_ a: StoredAddress) -> String {
        var x = "<t:Mailbox>"
        if let name = a.name { x += "<t:Name>\(name.xmlEscaped)</t:Name>" }
        return x + "<t:EmailAddress>\(a.email.xmlEscaped)</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox</t:MailboxType></t:Mailbox>"
    }

    private static func recipients(_ name: String, _ list: [StoredAddress]) -> String {
        list.isEmpty ? "" : "<t:\(name)>" + list.map(mailbox).joined() + "</t:\(name)>"
    }

    func xml(_ item: StoredItem) -> String {
        var x = "<t:\(item.kind)>"
        if shape.includeMimeContent || shape.fieldURIs.contains("item:MimeContent") {
            x += "<t:MimeContent CharacterSet=\"UTF-8\">\(Data(item.mime ?? MIMEWriter.message(item)).base64EncodedString())</t:MimeContent>"
        }
        // An item inside an item attachment has no id of its own.
        if !item.id.isEmpty { x += "<t:ItemId Id=\"\(item.id)\" ChangeKey=\"\(item.changeKey)\"/>" }
        for field in Self.fields(for: item.kind) {
            let inShape: Bool
            switch shape.base {
            case .allProperties: inShape = field.getDefault || field.findDefault
            case .defaultShape: inShape = context == .findItem ? field.findDefault : field.getDefault
            case .idOnly: inShape = false
            }
            if field.uri == "@extended" {
                for path in shape.extended {
                    if let values = item.extended[path.key] ?? ComputedMapiProperty.values(path.key, of: item) { x += path.propertyXML(values) }
                }
                continue
            }
            if !inShape, !shape.fieldURIs.contains(field.uri), let keys = indexedKeys(field.uri) {
                x += renderContact(field.uri, item, only: keys) ?? ""
                continue
            }
            guard inShape || shape.fieldURIs.contains(field.uri) else { continue }
            x += render(field.uri, item)
        }
        return x + "</t:\(item.kind)>"
    }

    private func simple(_ element: String, _ item: StoredItem, default value: String? = nil) -> String {
        guard let text = item.simple[element]?.text ?? value else { return "" }
        return "<t:\(element)>\(text.xmlEscaped)</t:\(element)>"
    }

    private func body(_ item: StoredItem, element: String = "Body") -> String {
        var type = item.bodyType
        var text = item.body
        if let wanted = shape.bodyType, wanted != type {
            if wanted == "Text" { text = HTMLText.plain(text) } else { text = HTMLText.html(text) }
            type = wanted
        }
        return "<t:\(element) BodyType=\"\(type)\">\(text.xmlEscaped)</t:\(element)>"
    }

    private func render(_ uri: String, _ item: StoredItem) -> String {
        switch uri {
        case "item:ParentFolderId" where item.folderID.isEmpty: return ""
        case "item:ParentFolderId": return "<t:ParentFolderId Id=\"\(item.folderID)\" ChangeKey=\"\(folderChangeKey(item.folderID))\"/>"
        case "item:ItemClass": return "<t:ItemClass>\(item.itemClass.xmlEscaped)</t:ItemClass>"
        case "item:Subject": return "<t:Subject>\(item.subject.xmlEscaped)</t:Subject>"
        case "item:Sensitivity": return "<t:Sensitivity>\(item.sensitivity)</t:Sensitivity>"
        case "item:Body": return body(item)
        case "item:Attachments":
            guard !item.attachments.isEmpty else { return "" }
            return "<t:Attachments>" + item.attachments.map { a in
                a.attachedItem != nil ? Self.attachmentSummary(a) : "<t:FileAttachment><t:AttachmentId Id=\"\(a.id)\"/><t:Name>\(a.name.xmlEscaped)</t:Name><t:ContentType>\(a.contentType.xmlEscaped)</t:ContentType>"
                    + (a.contentID.map { "<t:ContentId>\($0.xmlEscaped)</t:ContentId>" } ?? "") + "<t:Size>\(a.content.count)</t:Size><t:LastModifiedTime>\(Self.localDate(a.lastModified))</t:LastModifiedTime>"
                    + "<t:IsInline>\(a.isInline)</t:IsInline><t:IsContactPhoto>false</t:IsContactPhoto></t:FileAttachment>"
            }.joined() + "</t:Attachments>"
        case "item:DateTimeReceived": return "<t:DateTimeReceived>\(Self.date(item.received))</t:DateTimeReceived>"
        case "item:Size": return "<t:Size>\(item.size)</t:Size>"
        case "item:Categories":
            return item.categories.isEmpty ? "" : "<t:Categories>" + item.categories.map { "<t:String>\($0.xmlEscaped)</t:String>" }.joined() + "</t:Categories>"
        case "item:Importance": return "<t:Importance>\(item.importance)</t:Importance>"
        case "item:InReplyTo": return simple("InReplyTo", item)
        case "item:IsSubmitted": return "<t:IsSubmitted>false</t:IsSubmitted>"
        case "item:IsDraft": return "<t:IsDraft>\(item.isDraft)</t:IsDraft>"
        case "item:IsFromMe": return "<t:IsFromMe>false</t:IsFromMe>"
        case "item:IsResend": return "<t:IsResend>false</t:IsResend>"
        case "item:IsUnmodified": return "<t:IsUnmodified>\(!item.isDraft)</t:IsUnmodified>"
        case "item:InternetMessageHeaders":
            return item.internetHeaders.isEmpty ? "" : "<t:InternetMessageHeaders>" + item.internetHeaders.map {
                "<t:InternetMessageHeader HeaderName=\"\($0.name.xmlEscaped)\">\($0.value.xmlEscaped)</t:InternetMessageHeader>"
            }.joined() + "</t:InternetMessageHeaders>"
        case "item:DateTimeSent": return "<t:DateTimeSent>\(Self.date(item.received))</t:DateTimeSent>"
        case "item:DateTimeCreated": return "<t:DateTimeCreated>\(Self.date(item.created))</t:DateTimeCreated>"
        case "item:ReminderDueBy": return simple("ReminderDueBy", item)
        case "item:ReminderIsSet": return simple("ReminderIsSet", item, default: "false")
        case "item:ReminderMinutesBeforeStart": return simple("ReminderMinutesBeforeStart", item, default: "0")
        case "item:DisplayCc": return "<t:DisplayCc>\(ItemField.display(item.displayCc).xmlEscaped)</t:DisplayCc>"
        case "item:DisplayTo": return "<t:DisplayTo>\(ItemField.display(item.displayTo).xmlEscaped)</t:DisplayTo>"
        case "item:DisplayBcc": return "<t:DisplayBcc>\(ItemField.display(item.bccRecipients).xmlEscaped)</t:DisplayBcc>"
        case "item:HasAttachments": return "<t:HasAttachments>\(item.attachments.contains { !$0.isInline })</t:HasAttachments>"
        case "item:Culture": return simple("Culture", item, default: "en-US")
        // The owner's rights on an item of their own mailbox (impersonation acts as the owner).
        case "item:EffectiveRights":
            return "<t:EffectiveRights><t:CreateAssociated>false</t:CreateAssociated><t:CreateContents>false</t:CreateContents>"
                + "<t:CreateHierarchy>false</t:CreateHierarchy><t:Delete>true</t:Delete><t:Modify>true</t:Modify><t:Read>true</t:Read>"
                + "<t:ViewPrivateItems>true</t:ViewPrivateItems></t:EffectiveRights>"
        // Inferred: only the owner (or the service account impersonating them) changes a mailbox's items here.
        case "item:LastModifiedName": return owner.flatMap(\.name).map { "<t:LastModifiedName>\($0.xmlEscaped)</t:LastModifiedName>" } ?? ""
        case "item:ResponseObjects":
            let objects = Self.responseObjects(item)
            return objects.isEmpty ? "" : "<t:ResponseObjects>" + objects.map { "<t:\($0)/>" }.joined() + "</t:ResponseObjects>"
        case "item:IsAssociated": return "<t:IsAssociated>false</t:IsAssociated>"
        case "item:WebClientReadFormQueryString":
            return owaForm(item, edit: false).map { "<t:WebClientReadFormQueryString>\($0.xmlEscaped)</t:WebClientReadFormQueryString>" } ?? ""
        case "item:WebClientEditFormQueryString":
            return owaForm(item, edit: true).map { "<t:WebClientEditFormQueryString>\($0.xmlEscaped)</t:WebClientEditFormQueryString>" } ?? ""
        case "item:ConversationId": return "<t:ConversationId Id=\"\(Self.conversationID(item))\"/>"
        // No conversation threads are kept, so the whole body is unique to its item.
        case "item:UniqueBody": return body(item, element: "UniqueBody")
        case "message:ConversationIndex": return "<t:ConversationIndex>\(Self.conversationIndex(item))</t:ConversationIndex>"
        case "item:LastModifiedTime": return "<t:LastModifiedTime>\(Self.date(item.lastModified ?? item.created))</t:LastModifiedTime>"
        case "item:Preview":
            let text = item.bodyType == "HTML" ? HTMLText.plain(item.body) : item.body
            return "<t:Preview>\(String(text.prefix(255)).xmlEscaped)</t:Preview>"
        case "item:TextBody":
            let text = item.bodyType == "HTML" ? HTMLText.plain(item.body) : item.body
            return "<t:TextBody BodyType=\"Text\">\(text.xmlEscaped)</t:TextBody>"
        case "message:Sender":
            return (item.sender ?? item.from).map { "<t:Sender>" + Self.mailbox($0) + "</t:Sender>" } ?? ""
        case "message:ToRecipients": return Self.recipients("ToRecipients", item.toRecipients)
        case "message:CcRecipients": return Self.recipients("CcRecipients", item.ccRecipients)
        case "message:BccRecipients": return Self.recipients("BccRecipients", item.bccRecipients)
        case "message:IsReadReceiptRequested": return simple("IsReadReceiptRequested", item, default: "false")
        case "message:IsDeliveryReceiptRequested": return simple("IsDeliveryReceiptRequested", item, default: "false")
        case "message:ConversationTopic": return simple("ConversationTopic", item, default: item.subject)
        case "message:From":
            return item.from.map { "<t:From>" + Self.mailbox($0) + "</t:From>" } ?? ""
        case "message:InternetMessageId": return simple("InternetMessageId", item)
        case "message:IsRead": return "<t:IsRead>\(item.isRead)</t:IsRead>"
        case "message:IsResponseRequested": return simple("IsResponseRequested", item)
        case "message:References": return simple("References", item)
        case "message:ReplyTo": return Self.recipients("ReplyTo", item.replyTo)
        // Set by transport on what it delivers (not on drafts and saved copies); no delegates receive here.
        case "message:ReceivedBy" where item.delivered, "message:ReceivedRepresenting" where item.delivered:
            return owner.map { "<t:\(uri.dropFirst("message:".count))>" + Self.mailbox($0) + "</t:\(uri.dropFirst("message:".count))>" } ?? ""
        case "message:ReceivedBy", "message:ReceivedRepresenting": return ""
        default: return renderCalendar(uri, item) ?? renderContact(uri, item) ?? ""
        }
    }

    /// The URL that opens an item in Outlook on the web, as Exchange 2013 and later (and Exchange
    /// Online) write it: the full OWA URL on the external host, `?ItemID=` the percent-escaped EWS id
    /// (`+` `/` `=` escaped), `&exvsurl=1&viewmodel=ReadMessageItem` (Exchange Online's captured form).
    /// An edit form exists only for what OWA opens for editing: drafts and calendar items (Exchange
    /// writes none for a received message). Inferred, not captured: that a draft's edit form and a
    /// calendar item's forms are that same URL (OWA opens a draft from it in compose, as Graph's
    /// `webLink` of a draft shows); the simulator's host carries its port.
    func owaForm(_ item: StoredItem, edit: Bool) -> String? {
        guard let owaURL, !item.id.isEmpty else { return nil }
        if edit, !item.isDraft, item.kind != "CalendarItem" { return nil }
        return owaURL + "?ItemID=" + Self.urlEscaped(item.id) + "&exvsurl=1&viewmodel=ReadMessageItem"
    }

    /// Percent-escapes all but RFC 3986's unreserved characters (an EWS id's `+`, `/` and `=`).
    static func urlEscaped(_ s: String) -> String {
        var out = ""
        for byte in s.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out += "%" + String(decoding: [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]], as: UTF8.self)
            }
        }
        return out
    }

    /// What Exchange offers to do with an item (`ResponseObjects`): answer a meeting the mailbox was
    /// invited to, cancel one it organizes, reply to or forward a message. Offered as Exchange offers
    /// them; creating reply, forward and cancel objects is refused (ErrorInvalidOperation), never dropped.
    static func responseObjects(_ item: StoredItem) -> [String] {
        let answers = ["AcceptItem", "TentativelyAcceptItem", "DeclineItem", "ReplyToItem", "ReplyAllToItem", "ForwardItem"]
        switch item.kind {
        case "MeetingRequest": return answers
        case "CalendarItem":
            guard let c = item.calendar else { return ["ForwardItem"] }
            if !c.isOrganizer { return answers }
            return c.required.isEmpty && c.optional.isEmpty ? ["ForwardItem"] : ["CancelCalendarItem", "ForwardItem"]
        case "Contact": return ["ForwardItem"]
        default: return item.isDraft ? [] : ["ReplyToItem", "ReplyAllToItem", "ForwardItem"]
        }
    }

    /// The 16-byte conversation GUID of an item: FNV-1a over its conversation topic, so the items
    /// of one topic share it (the simulator keeps no reply chains; inferred, not Exchange's algorithm).
    static func conversationGUID(_ item: StoredItem) -> [UInt8] {
        let topic = item.simple["ConversationTopic"]?.text ?? item.subject
        var a: UInt64 = 0xcbf2_9ce4_8422_2325, b: UInt64 = 0x8422_2325_cbf2_9ce4
        for byte in topic.utf8 {
            a = (a ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            b = (b ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 &+ 1
        }
        return (0..<8).map { UInt8(truncatingIfNeeded: a >> (8 * $0)) } + (0..<8).map { UInt8(truncatingIfNeeded: b >> (8 * $0)) }
    }

    static func conversationID(_ item: StoredItem) -> String {
        Data([0x43, 0x56] + conversationGUID(item)).base64EncodedString()
    }

    /// PR_CONVERSATION_INDEX as MS-OXOMSG lays it out: a reserved byte (1), the five high bytes of
    /// the creation FILETIME, then the conversation GUID.
    static func conversationIndex(_ item: StoredItem) -> String {
        let filetime = UInt64(max(0, (item.created.timeIntervalSince1970 + 11_644_473_600) * 10_000_000))
        let time = (0..<5).map { UInt8(truncatingIfNeeded: filetime >> (56 - 8 * $0)) }
        return Data([1] + time + conversationGUID(item)).base64EncodedString()
    }

    /// An item attachment as an item's attachment list shows it (no item inside).
    static func attachmentSummary(_ a: StoredAttachment, inner: String = "") -> String {
        "<t:ItemAttachment><t:AttachmentId Id=\"\(a.id)\"/><t:Name>\(a.name.xmlEscaped)</t:Name><t:ContentType>\(a.contentType.xmlEscaped)</t:ContentType>"
            + "<t:Size>\(a.attachedItem?.item.size ?? 0)</t:Size><t:LastModifiedTime>\(localDate(a.lastModified))</t:LastModifiedTime><t:IsInline>\(a.isInline)</t:IsInline>"
            + inner + "</t:ItemAttachment>"
    }

    /// Attachment times are local times without zone in Exchange's answers.
    static func localDate(_ d: Date) -> String {
        d.formatted(Date.ISO8601FormatStyle().year().month().day().dateTimeSeparator(.standard).time(includingFractionalSeconds: false))
    }
}
