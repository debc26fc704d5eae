/// SyncFolderItems of one folder (NormalItems), IdOnly with the subject, `DateTimeReceived`,
/// `InternetMessageId` and one extended property (the run tag), so a caller can tell its own item
/// among the changes instead of trusting "a new item appeared". Without a sync state the first
/// page starts from nothing (every item a Create); the answer's state continues from there.
package struct SyncFolderItems: EWSOperation {
    package static let name = "SyncFolderItems"
    /// The folder to synchronise.
    package var folder: FolderIdentifier
    /// The state to continue from; nil for the first synchronisation.
    package var syncState: String?
    /// The extended property read for each changed item.
    package var property: ExtendedPropertyPath
    /// `MaxChangesReturned` (1…512).
    package var maxChanges: Int

    /// Creates the operation.
    package init(folder: FolderIdentifier, syncState: String?, property: ExtendedPropertyPath, maxChanges: Int = 512) {
        self.folder = folder
        self.syncState = syncState
        self.property = property
        self.maxChanges = maxChanges
    }

    package var bodyXML: String {
        var xml = "<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
            + "<t:FieldURI FieldURI=\"item:Subject\"/><t:FieldURI FieldURI=\"item:DateTimeReceived\"/>"
            + "<t:FieldURI FieldURI=\"message:InternetMessageId\"/>\(property.xml)</t:AdditionalProperties></m:ItemShape>"
            + "<m:SyncFolderId>\(folder.xml)</m:SyncFolderId>"
        if let syncState { xml += "<m:SyncState>\(syncState.xmlEscaped)</m:SyncState>" }
        return xml + "<m:MaxChangesReturned>\(maxChanges)</m:MaxChangesReturned><m:SyncScope>NormalItems</m:SyncScope></m:SyncFolderItems>"
    }

    package func payload(in message: ResponseElement) -> SyncItemsPage? {
        let e = message.element
        guard let state = e.child("SyncState")?.text, let last = e.child("IncludesLastItemInRange")?.text else { return nil }
        let changes = e.child("Changes")?.children.compactMap { SyncItemsPage.Change.read($0, property: property) } ?? []
        return SyncItemsPage(syncState: state, includesLastItemInRange: last.trimmingCharacters(in: .whitespaces) == "true", changes: changes)
    }
}
