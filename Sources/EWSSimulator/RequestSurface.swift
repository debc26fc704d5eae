import EWSProtocol

/// The request elements each implemented operation honours. A child element outside this table
/// is refused (every response message says `ErrorInvalidOperation`), so an element the
/// simulator does not implement can never be accepted and silently dropped. Deeper levels
/// (shapes, item properties, restrictions) are checked where they are read.
enum RequestSurface {
    /// Honoured children, and the child whose entries each get a response message.
    static let operations: [String: (children: Set<String>, list: String)] = [
        "GetFolder": (["FolderShape", "FolderIds"], "FolderIds"),
        "FindFolder": (["FolderShape", "IndexedPageFolderView", "ParentFolderIds"], "ParentFolderIds"),
        "GetItem": (["ItemShape", "ItemIds"], "ItemIds"),
        "FindItem": (["ItemShape", "IndexedPageItemView", "FractionalPageItemView", "CalendarView", "Restriction", "SortOrder", "ParentFolderIds", "QueryString"], "ParentFolderIds"),
        "CreateItem": (["SavedItemFolderId", "Items"], "Items"),
        "GetAttachment": (["AttachmentShape", "AttachmentIds"], "AttachmentIds"),
        "DeleteItem": (["ItemIds"], "ItemIds"),
        "ConvertId": (["SourceIds"], "SourceIds"),
        "UpdateItem": (["SavedItemFolderId", "ItemChanges"], "ItemChanges"),
        "MoveItem": (["ToFolderId", "ItemIds", "ReturnNewItemIds"], "ItemIds"),
        "CopyItem": (["ToFolderId", "ItemIds", "ReturnNewItemIds"], "ItemIds"),
        "SendItem": (["ItemIds", "SavedItemFolderId"], "ItemIds"),
        "CreateFolder": (["ParentFolderId", "Folders"], "Folders"),
        "DeleteFolder": (["FolderIds"], "FolderIds"),
        "EmptyFolder": (["FolderIds"], "FolderIds"),
        "MarkAllItemsAsRead": (["ReadFlag", "SuppressReadReceipts", "FolderIds"], "FolderIds"),
        // ParentFolderIds names the one contacts folder to search (the Contacts folder by default).
        "ResolveNames": (["ParentFolderIds", "UnresolvedEntry"], "UnresolvedEntry"),
        "CreateAttachment": (["ParentItemId", "Attachments"], "Attachments"),
        "DeleteAttachment": (["AttachmentIds"], "AttachmentIds"),
        "GetServerTimeZones": (["Ids"], "Ids"),
        "ExpandDL": (["Mailbox"], "Mailbox"),
        "GetRooms": (["RoomList"], "RoomList"),
        // Push subscriptions: CallerData is refused where the request is read (pushCallback).
        "Subscribe": (["PullSubscriptionRequest", "StreamingSubscriptionRequest", "PushSubscriptionRequest"], "PullSubscriptionRequest"),
        "GetEvents": (["SubscriptionId", "Watermark"], "SubscriptionId"),
        "Unsubscribe": (["SubscriptionId"], "SubscriptionId"),
        "GetStreamingEvents": (["SubscriptionIds", "ConnectionTimeout"], "SubscriptionIds"),
        "SyncFolderItems": (["ItemShape", "SyncFolderId", "SyncState", "Ignore", "MaxChangesReturned", "SyncScope"], "SyncFolderId"),
        "SyncFolderHierarchy": (["FolderShape", "SyncFolderId", "SyncState"], "SyncFolderId"),
        // SuggestionsViewOptions gets a SuggestionsResponse that refuses it.
        "GetUserAvailabilityRequest": (["TimeZone", "MailboxDataArray", "FreeBusyViewOptions", "SuggestionsViewOptions"], "MailboxDataArray"),
        "GetUserOofSettingsRequest": (["Mailbox"], "Mailbox"),
        "SetUserOofSettingsRequest": (["Mailbox", "UserOofSettings"], "Mailbox"),
    ]

    /// The refusal for the first child the operation does not honour, as a whole response.
    static func refusal(for request: XMLElement) -> String? {
        guard let surface = operations[request.name] else { return nil }
        guard let unknown = request.children.first(where: { !surface.children.contains($0.name) }) else { return nil }
        let count = max(request.child(surface.list)?.children.count ?? 1, 1)
        let empty: String = switch request.name {
        case "GetFolder": "<m:Folders/>"
        case "GetItem", "CreateItem", "UpdateItem", "MoveItem", "CopyItem": "<m:Items/>"
        case "CreateFolder": "<m:Folders/>"
        case "GetAttachment", "CreateAttachment": "<m:Attachments/>"
        default: ""
        }
        let message = SOAPWriter.error(request.name, .notImplemented("\(request.name)/\(unknown.name)"), emptyPayload: empty)
        return SOAPWriter.operationResponse(request.name, messages: Array(repeating: message, count: count))
    }
}
