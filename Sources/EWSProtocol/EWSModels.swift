import Foundation

/// The server's `ServerVersionInfo` SOAP header.
package struct ServerVersionInfo: Sendable, Hashable, Codable {
    /// `MajorVersion` (15 for Exchange 2013 and later).
    package var majorVersion: Int?
    /// `MinorVersion` (0 = 2013, 1 = 2016, 2 = 2019, 20 = Online).
    package var minorVersion: Int?
    /// `MajorBuildNumber`.
    package var majorBuildNumber: Int?
    /// `MinorBuildNumber`.
    package var minorBuildNumber: Int?
    /// `Version`, which may be a value not valid in requests (`V2018_01_08`).
    package var version: String?

    /// Creates a version record.
    package init(majorVersion: Int?, minorVersion: Int?, majorBuildNumber: Int?, minorBuildNumber: Int?, version: String?) {
        self.majorVersion = majorVersion
        self.minorVersion = minorVersion
        self.majorBuildNumber = majorBuildNumber
        self.minorBuildNumber = minorBuildNumber
        self.version = version
    }

    /// `15.2.1544.4` style, with `?` for missing parts.
    package var build: String {
        [majorVersion, minorVersion, majorBuildNumber, minorBuildNumber].map { $0.map(String.init) ?? "?" }.joined(separator: ".")
    }

    /// The product line this build belongs to, where known.
    package var productName: String {
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
package enum ResponseClass: String, Sendable, Hashable, Codable {
    case success = "Success"
    case warning = "Warning"
    case error = "Error"
}

/// A request-level SOAP fault (Exchange sends these with HTTP 500).
package struct SOAPFault: Sendable, Hashable, Codable, CustomStringConvertible {
    /// `faultcode`, e.g. `a:ErrorSchemaValidation`.
    package var faultCode: String
    /// `faultstring`.
    package var faultString: String
    /// `detail/e:ResponseCode`, where present.
    package var responseCode: String?
    /// `detail/e:Message`, where present.
    package var message: String?
    /// `detail/t:MessageXml` serialised, where present.
    package var messageXml: String?

    /// Creates a fault value.
    package init(faultCode: String, faultString: String, responseCode: String?, message: String?, messageXml: String?) {
        self.faultCode = faultCode
        self.faultString = faultString
        self.responseCode = responseCode
        self.message = message
        self.messageXml = messageXml
    }

    /// The EWS error code: the detail's ResponseCode, else the local part of faultcode.
    package var code: String {
        if let responseCode { return responseCode }
        return faultCode.split(separator: ":").last.map(String.init) ?? faultCode
    }

    package var description: String { "SOAP fault \(code): \(faultString)" }
}

/// One `ResponseMessage` with its operation-specific payload.
package struct ResponseMessage<Payload: Sendable>: Sendable {
    /// Success, Warning or Error.
    package var responseClass: ResponseClass
    /// `ResponseCode` (`NoError` on success).
    package var responseCode: String
    /// `MessageText`, where present.
    package var messageText: String?
    /// `MessageXml` serialised, where present.
    package var messageXml: String?
    /// The payload, where the message carries one that could be read.
    package var payload: Payload?
}

/// A folder as returned by GetFolder.
package struct FolderInfo: Sendable, Hashable, Codable {
    /// `FolderId/@Id`.
    package var id: String
    /// `FolderId/@ChangeKey`.
    package var changeKey: String?
    /// The element name (`Folder`, `CalendarFolder`, ...).
    package var kind: String
    /// `DisplayName`.
    package var displayName: String?
    /// `TotalCount`.
    package var totalCount: Int?
    /// `ChildFolderCount`.
    package var childFolderCount: Int?
    /// `UnreadCount`.
    package var unreadCount: Int?
}

/// An attachment's metadata, and its content when fetched with GetAttachment.
package struct AttachmentInfo: Sendable, Hashable, Codable {
    /// `AttachmentId/@Id`.
    package var id: String
    /// `Name`.
    package var name: String?
    /// `ContentType`.
    package var contentType: String?
    /// `Size`.
    package var size: Int?
    /// The decoded `Content` (GetAttachment only).
    package var content: [UInt8]?
}

/// An item as returned by FindItem, GetItem or CreateItem.
package struct ItemInfo: Sendable, Hashable, Codable {
    /// `ItemId/@Id`.
    package var id: String
    /// `ItemId/@ChangeKey`.
    package var changeKey: String?
    /// The element name (`Message`, `CalendarItem`, ...).
    package var kind: String
    /// `ItemClass`.
    package var itemClass: String?
    /// `Subject`.
    package var subject: String?
    /// `HasAttachments`.
    package var hasAttachments: Bool?
    /// `Attachments`.
    package var attachments: [AttachmentInfo]

    /// The identifier to address this item with.
    package var identifier: ItemIdentifier { ItemIdentifier(id: id, changeKey: changeKey) }
}

/// A page of FindItem results.
package struct FindItemPage: Sendable, Hashable, Codable {
    /// The items on this page.
    package var items: [ItemInfo]
    /// `TotalItemsInView`.
    package var totalItemsInView: Int?
    /// `IncludesLastItemInRange`.
    package var includesLastItemInRange: Bool?
}

/// A file to attach.
package struct FileAttachmentContent: Sendable, Hashable {
    /// The file name.
    package var name: String
    /// The MIME type.
    package var contentType: String
    /// The bytes.
    package var content: [UInt8]

    /// Creates a file attachment.
    package init(name: String, contentType: String, content: [UInt8]) {
        self.name = name
        self.contentType = contentType
        self.content = content
    }
}

/// A payload-less response (DeleteItem).
package struct NoPayload: Sendable, Hashable {
    /// The one value.
    package init() {}
}
