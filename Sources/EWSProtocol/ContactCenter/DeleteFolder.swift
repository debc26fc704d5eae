/// DeleteFolder (HardDelete: the folder, its subfolders and items are gone).
package struct DeleteFolder: EWSOperation {
    package static let name = "DeleteFolder"
    /// The folders.
    package var folders: [FolderIdentifier]

    /// Creates the operation.
    package init(folders: [FolderIdentifier]) { self.folders = folders }

    package var bodyXML: String {
        "<m:DeleteFolder DeleteType=\"HardDelete\"><m:FolderIds>" + folders.map(\.xml).joined() + "</m:FolderIds></m:DeleteFolder>"
    }

    package func payload(in message: ResponseElement) -> NoPayload? { NoPayload() }
}
