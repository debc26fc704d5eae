import EWSProtocol
import Foundation

/// Writes items in the element order of `t:ItemType` then `t:MessageType`, with the properties a
/// shape asks for: IdOnly, Default (FindItem's smaller set, GetItem's larger one), AllProperties,
/// plus `AdditionalProperties` field URIs.
struct ItemSerializer {
    enum Context { case findItem, getItem }

    /// Fields in schema order, with their FieldURI.
    private static let fields: [(uri: String, findDefault: Bool, getDefault: Bool)] = [
        ("item:ParentFolderId", true, true), ("item:ItemClass", true, true), ("item:Subject", true, true),
        ("item:Sensitivity", true, true), ("item:Body", false, true), ("item:Attachments", false, true),
        ("item:DateTimeReceived", true, true), ("item:Size", true, true), ("item:Importance", true, true),
        ("item:IsSubmitted", true, true), ("item:IsDraft", true, true), ("item:IsFromMe", true, true),
        ("item:IsResend", true, true), ("item:IsUnmodified", true, true), ("item:DateTimeSent", true, true),
        ("item:DateTimeCreated", true, true), ("item:DisplayCc", true, true), ("item:DisplayTo", true, true),
        ("item:HasAttachments", true, true), ("item:Culture", true, true), ("item:LastModifiedTime", false, true),
        ("message:ToRecipients", false, true), ("message:CcRecipients", false, true), ("message:From", true, true),
        ("message:IsRead", true, true),
    ]

    let shape: String
    let additional: Set<String>
    let context: Context
    let folderChangeKey: (String) -> String

    // Format styles are values (Sendable, no per-call formatter object): items are serialised by
    // the hundred per FindItem page.
    private static func date(_ d: Date) -> String { d.formatted(.iso8601) }

    private static func mailbox(_ a: StoredAddress) -> String {
        var x = "<t:Mailbox>"
        if let name = a.name { x += "<t:Name>\(name.xmlEscaped)</t:Name>" }
        return x + "<t:EmailAddress>\(a.email.xmlEscaped)</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox</t:MailboxType></t:Mailbox>"
    }

    func xml(_ item: StoredItem) -> String {
        var x = "<t:\(item.kind)><t:ItemId Id=\"\(item.id)\" ChangeKey=\"\(item.changeKey)\"/>"
        for field in Self.fields {
            let inShape: Bool
            switch shape {
            case "AllProperties": inShape = true
            case "Default": inShape = context == .findItem ? field.findDefault : field.getDefault
            default: inShape = false
            }
            guard inShape || additional.contains(field.uri) else { continue }
            x += render(field.uri, item)
        }
        return x + "</t:\(item.kind)>"
    }

    private func render(_ uri: String, _ item: StoredItem) -> String {
        switch uri {
        case "item:ParentFolderId": return "<t:ParentFolderId Id=\"\(item.folderID)\" ChangeKey=\"\(folderChangeKey(item.folderID))\"/>"
        case "item:ItemClass": return "<t:ItemClass>\(item.itemClass.xmlEscaped)</t:ItemClass>"
        case "item:Subject": return "<t:Subject>\(item.subject.xmlEscaped)</t:Subject>"
        case "item:Sensitivity": return "<t:Sensitivity>\(item.sensitivity)</t:Sensitivity>"
        case "item:Body": return "<t:Body BodyType=\"\(item.bodyType)\">\(item.body.xmlEscaped)</t:Body>"
        case "item:Attachments":
            guard !item.attachments.isEmpty else { return "" }
            return "<t:Attachments>" + item.attachments.map { a in
                "<t:FileAttachment><t:AttachmentId Id=\"\(a.id)\"/><t:Name>\(a.name.xmlEscaped)</t:Name><t:ContentType>\(a.contentType.xmlEscaped)</t:ContentType>"
                    + "<t:Size>\(a.content.count)</t:Size><t:LastModifiedTime>\(Self.localDate(a.lastModified))</t:LastModifiedTime>"
                    + "<t:IsInline>\(a.isInline)</t:IsInline><t:IsContactPhoto>false</t:IsContactPhoto></t:FileAttachment>"
            }.joined() + "</t:Attachments>"
        case "item:DateTimeReceived": return "<t:DateTimeReceived>\(Self.date(item.received))</t:DateTimeReceived>"
        case "item:Size": return "<t:Size>\(item.size)</t:Size>"
        case "item:Importance": return "<t:Importance>\(item.importance)</t:Importance>"
        case "item:IsSubmitted": return "<t:IsSubmitted>false</t:IsSubmitted>"
        case "item:IsDraft": return "<t:IsDraft>\(item.isDraft)</t:IsDraft>"
        case "item:IsFromMe": return "<t:IsFromMe>false</t:IsFromMe>"
        case "item:IsResend": return "<t:IsResend>false</t:IsResend>"
        case "item:IsUnmodified": return "<t:IsUnmodified>\(!item.isDraft)</t:IsUnmodified>"
        case "item:DateTimeSent": return "<t:DateTimeSent>\(Self.date(item.received))</t:DateTimeSent>"
        case "item:DateTimeCreated": return "<t:DateTimeCreated>\(Self.date(item.created))</t:DateTimeCreated>"
        case "item:DisplayCc": return "<t:DisplayCc>\(item.ccRecipients.map { $0.name ?? $0.email }.joined(separator: "; ").xmlEscaped)</t:DisplayCc>"
        case "item:DisplayTo": return "<t:DisplayTo>\(item.toRecipients.map { $0.name ?? $0.email }.joined(separator: "; ").xmlEscaped)</t:DisplayTo>"
        case "item:HasAttachments": return "<t:HasAttachments>\(item.attachments.contains { !$0.isInline })</t:HasAttachments>"
        case "item:Culture": return "<t:Culture>en-US</t:Culture>"
        case "item:LastModifiedTime": return "<t:LastModifiedTime>\(Self.date(item.created))</t:LastModifiedTime>"
        case "message:ToRecipients":
            return item.toRecipients.isEmpty ? "" : "<t:ToRecipients>" + item.toRecipients.map(Self.mailbox).joined() + "</t:ToRecipients>"
        case "message:CcRecipients":
            return item.ccRecipients.isEmpty ? "" : "<t:CcRecipients>" + item.ccRecipients.map(Self.mailbox).joined() + "</t:CcRecipients>"
        case "message:From":
            return item.from.map { "<t:From>" + Self.mailbox($0) + "</t:From>" } ?? ""
        case "message:IsRead": return "<t:IsRead>\(item.isRead)</t:IsRead>"
        default: return ""
        }
    }

    /// Attachment times are local times without zone in Exchange's answers.
    static func localDate(_ d: Date) -> String {
        d.formatted(Date.ISO8601FormatStyle().year().month().day().dateTimeSeparator(.standard).time(includingFractionalSeconds: false))
    }
}
