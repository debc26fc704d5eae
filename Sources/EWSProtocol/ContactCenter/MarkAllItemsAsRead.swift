/// MarkAllItemsAsRead (Exchange 2013+): sets the read flag of every item in the folders, read
/// receipts suppressed. One response message per folder.
package struct MarkAllItemsAsRead: EWSOperation {
    package static let name = "MarkAllItemsAsRead"
    /// The folders.
    package var folders: [FolderIdentifier]
    /// The flag to set.
    package var isRead: Bool

    /// Creates the operation.
    package init(folders: [FolderIdentifier], isRead: Bool = true) {
        self.folders = folders
        self.isRead = isRead
    }

    package var bodyXML: String {
        "<m:MarkAllItemsAsRead><m:ReadFlag>\(isRead)</m:ReadFlag><m:SuppressReadReceipts>true</m:SuppressReadReceipts>"
            + "<m:FolderIds>" + folders.map(\.xml).joined() + "</m:FolderIds></m:MarkAllItemsAsRead>"
    }

    package func payload(in message: ResponseElement) -> NoPayload? { NoPayload() }
}
