import Foundation

/// The server's `ServerVersionInfo` SOAP header.
public struct ServerVersionInfo: Sendable, Hashable, Codable {
    /// `MajorVersion` (15 for Exchange 2013 and later).
    public var majorVersion: Int?
    /// `MinorVersion` (0 = 2013, 1 = 2016, 2 = 2019, 20 = Online).
    public var minorVersion: Int?
    /// `MajorBuildNumber`.
    public var majorBuildNumber: Int?
    /// `MinorBuildNumber`.
    public var minorBuildNumber: Int?
    /// `Version`, which may be a value not valid in requests (`V2018_01_08`).
    public var version: String?

    /// Creates a version record.
    public init(majorVersion: Int?, minorVersion: Int?, majorBuildNumber: Int?, minorBuildNumber: Int?, version: String?) {
        self.majorVersion = majorVersion
        self.minorVersion = minorVersion
        self.majorBuildNumber = majorBuildNumber
        self.minorBuildNumber = minorBuildNumber
        self.version = version
    }

    /// `15.2.1544.4` style, with `?` for missing parts.
    public var build: String {
        [majorVersion, minorVersion, majorBuildNumber, minorBuildNumber].map { $0.map(String.init) ?? "?" }.joined(separator: ".")
    }

    /// The product line this build belongs to, where known.
    public var productName: String {
        switch (majorVersion, minorVersion) {
        case (8?, _): return "Exchange 2007"
        case (14?, _): return "Exchange 2010"
        case (15?, 0?): return "Exchange 2013"
        case (15?, 1?): return "Exchange 2016"
        case (15?, 2?): return "Exchange 2019 or Subscription Edition"
        case (15?, let minor?) where minor >= 20: return "Exchange Online"
        default: return "unknown Exchange version"
        }
    }
}

/// `ResponseClass` of a response message.
public enum ResponseClass: String, Sendable, Hashable, Codable {
    case success = "Success"
    case warning = "Warning"
    case error = "Error"
}

/// A request-level SOAP fault (Exchange sends these with HTTP 500).
public struct SOAPFault: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `faultcode`, e.g. `a:ErrorSchemaValidation`.
    public var faultCode: String
    /// `faultstring`.
    public var faultString: String
    /// `detail/e:ResponseCode`, where present.
    public var responseCode: String?
    /// `detail/e:Message`, where present.
    public var message: String?
    /// `detail/t:MessageXml` serialised, where present.
    public var messageXml: String?

    /// Creates a fault value.
    public init(faultCode: String, faultString: String, responseCode: String?, message: String?, messageXml: String?) {
        self.faultCode = faultCode
        self.faultString = faultString
        self.responseCode = responseCode
        self.message = message
        self.messageXml = messageXml
    }

    /// The EWS error code: the detail's ResponseCode, else the local part of faultcode.
    public var code: String {
        if let responseCode { return responseCode }
        return faultCode.split(separator: ":").last.map(String.init) ?? faultCode
    }

    public var description: String { "SOAP fault \(code): \(faultString)" }
}

/// One `ResponseMessage` with its operation-specific payload.
public struct ResponseMessage<Payload: Sendable>: Sendable {
    /// Success, Warning or Error.
    public var responseClass: ResponseClass
    /// `ResponseCode` (`NoError` on success).
    public var responseCode: String
    /// `MessageText`, where present.
    public var messageText: String?
    /// `MessageXml` serialised, where present.
    public var messageXml: String?
    /// The payload, where the message carries one that could be read.
    public var payload: Payload?
}

/// A folder as returned by GetFolder.
public struct FolderInfo: Sendable, Hashable, Codable {
    /// `FolderId/@Id`.
    public var id: String
    /// `FolderId/@ChangeKey`.
    public var changeKey: String?
    /// The element name (`Folder`, `CalendarFolder`, ...).
    public var kind: String
    /// `DisplayName`.
    public var displayName: String?
    /// `TotalCount`.
    public var totalCount: Int?
    /// `ChildFolderCount`.
    public var childFolderCount: Int?
    /// `UnreadCount`.
    public var unreadCount: Int?
}

/// An attachment's metadata, and its content when fetched with GetAttachment.
public struct AttachmentInfo: Sendable, Hashable, Codable {
    /// `AttachmentId/@Id`.
    public var id: String
    /// `Name`.
    public var name: String?
    /// `ContentType`.
    public var contentType: String?
    /// `Size`.
    public var size: Int?
    /// The decoded `Content` (GetAttachment only).
    public var content: [UInt8]?
}

/// An item as returned by FindItem, GetItem or CreateItem.
public struct ItemInfo: Sendable, Hashable, Codable {
    /// `ItemId/@Id`.
    public var id: String
    /// `ItemId/@ChangeKey`.
    public var changeKey: String?
    /// The element name (`Message`, `CalendarItem`, ...).
    public var kind: String
    /// `ItemClass`.
    public var itemClass: String?
    /// `Subject`.
    public var subject: String?
    /// `HasAttachments`.
    public var hasAttachments: Bool?
    /// `Attachments`.
    public var attachments: [AttachmentInfo]

    /// The identifier to address this item with.
    public var identifier: ItemIdentifier { ItemIdentifier(id: id, changeKey: changeKey) }
}

/// A page of FindItem results.
public struct FindItemPage: Sendable, Hashable, Codable {
    /// The items on this page.
    public var items: [ItemInfo]
    /// `TotalItemsInView`.
    public var totalItemsInView: Int?
    /// `IncludesLastItemInRange`.
    public var includesLastItemInRange: Bool?
}

/// A file to attach.
public struct FileAttachmentContent: Sendable, Hashable {
    /// The file name.
    public var name: String
    /// The MIME type.
    public var contentType: String
    /// The bytes.
    public var content: [UInt8]

    /// Creates a file attachment.
    public init(name: String, contentType: String, content: [UInt8]) {
        self.name = name
        self.contentType = contentType
        self.content = content
    }
}

/// A payload-less response (DeleteItem).
public struct NoPayload: Sendable, Hashable {
    /// The one value.
    public init() {}
}
