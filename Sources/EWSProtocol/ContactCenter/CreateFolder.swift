/// CreateFolder of one plain mail folder (`t:Folder`) under a parent; the payload is the new folder.
package struct CreateFolder: EWSOperation {
    package static let name = "CreateFolder"
    /// The parent folder.
    package var parent: FolderIdentifier
    /// The display name.
    package var displayName: String

    /// Creates the operation.
    package init(parent: FolderIdentifier, displayName: String) {
        self.parent = parent
        self.displayName = displayName
    }

    package var bodyXML: String {
        "<m:CreateFolder><m:ParentFolderId>\(parent.xml)</m:ParentFolderId><m:Folders><t:Folder>"
            + "<t:DisplayName>\(displayName.xmlEscaped)</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>"
    }

    package func payload(in message: ResponseElement) -> FolderInfo? {
        message.element.child("Folders")?.children.first.flatMap(FolderInfo.read)
    }
}
