/// FindFolder (shallow, Default shape) under one folder: its child folders with their names.
package struct FindFolder: EWSOperation {
    package static let name = "FindFolder"
    /// The parent folder.
    package var parent: FolderIdentifier

    /// Creates the operation.
    package init(parent: FolderIdentifier) { self.parent = parent }

    package var bodyXML: String {
        "<m:FindFolder Traversal=\"Shallow\"><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>"
            + "<m:ParentFolderIds>\(parent.xml)</m:ParentFolderIds></m:FindFolder>"
    }

    package func payload(in message: ResponseElement) -> [FolderInfo]? {
        guard let root = message.element.child("RootFolder") else { return nil }
        return root.child("Folders")?.children.compactMap(FolderInfo.read) ?? []
    }
}
