import EWSProtocol
import Foundation

extension EWSService {
    /// CreateFolder of plain, calendar, contacts and tasks folders under a folder of the acting
    /// mailbox; a sibling with the same name is `ErrorFolderExists`.
    func createFolder(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let owner = context.mailboxUser.primarySmtpAddress
        let folders = request.child("Folders")?.children ?? []
        guard let parentElement = request.child("ParentFolderId")?.children.first else {
            throw EWSError("ErrorInvalidRequest", "The request is invalid.")
        }
        let parent: StoredFolder
        switch resolveFolder(parentElement, context) {
        case .success(let found) where found.mailbox == owner: parent = found.folder
        case .success: return SOAPWriter.operationResponse("CreateFolder", messages: folders.map { _ in SOAPWriter.error("CreateFolder", .accessDenied, emptyPayload: "<m:Folders/>") })
        case .failure(let error): return SOAPWriter.operationResponse("CreateFolder", messages: folders.map { _ in SOAPWriter.error("CreateFolder", error, emptyPayload: "<m:Folders/>") })
        }
        let classes = ["Folder": "IPF.Note", "CalendarFolder": "IPF.Appointment", "ContactsFolder": "IPF.Contact", "TasksFolder": "IPF.Task"]
        let messages = folders.map { element -> String in
            guard let defaultClass = classes[element.name] else {
                return SOAPWriter.error("CreateFolder", .notImplemented("creating a \(element.name)"), emptyPayload: "<m:Folders/>")
            }
            var name: String?
            var folderClass = defaultClass
            for p in element.children {
                switch p.name {
                case "DisplayName": name = p.text
                case "FolderClass": folderClass = p.text
                default:
                    return SOAPWriter.error("CreateFolder", .notImplemented("the folder property \(p.name)"), emptyPayload: "<m:Folders/>")
                }
            }
            guard let name, !name.isEmpty else {
                return SOAPWriter.error("CreateFolder", EWSError("ErrorRequiredPropertyMissing", "Required property is missing.",
                                                                messageXml: "<t:FieldURI FieldURI=\"folder:DisplayName\"/>"), emptyPayload: "<m:Folders/>")
            }
            let created = tenant.withStore(owner) { store -> StoredFolder? in
                guard !store.children(of: parent.id).contains(where: { $0.displayName.caseInsensitiveCompare(name) == .orderedSame }) else { return nil }
                let folder = StoredFolder(id: tenant.ids.folderID(), changeKey: tenant.ids.changeKey(), distinguishedName: nil,
                                          displayName: name, folderClass: folderClass, parentID: parent.id, kind: element.name)
                store.folders[folder.id] = folder
                return folder
            } ?? nil
            guard let created else {
                return SOAPWriter.error("CreateFolder", EWSError("ErrorFolderExists", "A folder with the specified name already exists."), emptyPayload: "<m:Folders/>")
            }
            return SOAPWriter.success("CreateFolder", payload: "<m:Folders><t:\(created.kind)><t:FolderId Id=\"\(created.id)\" ChangeKey=\"\(created.changeKey)\"/></t:\(created.kind)></m:Folders>")
        }
        return SOAPWriter.operationResponse("CreateFolder", messages: messages)
    }

    /// DeleteFolder: distinguished folders are refused; HardDelete removes the folder, its
    /// subfolders and items; SoftDelete and MoveToDeletedItems move it under Deleted Items
    /// (Recoverable Items for SoftDelete).
    func deleteFolder(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let deleteType = request.attribute("DeleteType") ?? "HardDelete"
        let owner = context.mailboxUser.primarySmtpAddress
        let messages = (request.child("FolderIds")?.children ?? []).map { element -> String in
            switch resolveFolder(element, context) {
            case .failure(let error): return SOAPWriter.error("DeleteFolder", error)
            case .success(let found) where found.mailbox != owner: return SOAPWriter.error("DeleteFolder", .accessDenied)
            case .success(let found):
                guard found.folder.distinguishedName == nil else {
                    return SOAPWriter.error("DeleteFolder", EWSError("ErrorDeleteDistinguishedFolder", "Distinguished folders cannot be deleted."))
                }
                tenant.withStore(owner) { store in
                    if deleteType == "HardDelete" {
                        for id in store.subtree(of: found.folder.id) {
                            store.folders[id] = nil
                            for item in store.items.values where item.folderID == id { store.items[item.id] = nil }
                        }
                    } else {
                        let to = store.folder(distinguished: deleteType == "SoftDelete" ? "recoverableitemsdeletions" : "deleteditems")
                        store.folders[found.folder.id]?.parentID = to?.id ?? found.folder.parentID
                    }
                }
                return SOAPWriter.success("DeleteFolder", payload: "")
            }
        }
        return SOAPWriter.operationResponse("DeleteFolder", messages: messages)
    }

    /// EmptyFolder: deletes the items (and with DeleteSubFolders the subfolders) of a folder.
    func emptyFolder(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let deleteType = request.attribute("DeleteType") ?? "HardDelete"
        let subfolders = request.attribute("DeleteSubFolders").flatMap(XSBoolean.parse) ?? false
        let owner = context.mailboxUser.primarySmtpAddress
        let messages = (request.child("FolderIds")?.children ?? []).map { element -> String in
            switch resolveFolder(element, context) {
            case .failure(let error): return SOAPWriter.error("EmptyFolder", error)
            case .success(let found) where found.mailbox != owner: return SOAPWriter.error("EmptyFolder", .accessDenied)
            case .success(let found):
                guard found.folder.kind != "SearchFolder", found.folder.distinguishedName != "root", found.folder.distinguishedName != "msgfolderroot" || !subfolders else {
                    return SOAPWriter.error("EmptyFolder", EWSError("ErrorCannotEmptyFolder", "The folder cannot be emptied."))
                }
                tenant.withStore(owner) { store in
                    let folders = subfolders ? store.subtree(of: found.folder.id) : [found.folder.id]
                    let to = deleteType == "HardDelete" ? nil : store.folder(distinguished: deleteType == "SoftDelete" ? "recoverableitemsdeletions" : "deleteditems")?.id
                    for item in store.items.values where folders.contains(item.folderID) {
                        if let to { store.items[item.id]?.folderID = to } else { store.items[item.id] = nil }
                    }
                    if subfolders {
                        for id in folders where id != found.folder.id && store.folders[id]?.distinguishedName == nil { store.folders[id] = nil }
                    }
                }
                return SOAPWriter.success("EmptyFolder", payload: "")
            }
        }
        return SOAPWriter.operationResponse("EmptyFolder", messages: messages)
    }

    /// MarkAllItemsAsRead: sets the read flag of every item in the folders.
    func markAllItemsAsRead(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let read = request.child("ReadFlag").flatMap { XSBoolean.parse($0.text) } ?? true
        let owner = context.mailboxUser.primarySmtpAddress
        let messages = (request.child("FolderIds")?.children ?? []).map { element -> String in
            switch resolveFolder(element, context) {
            case .failure(let error): return SOAPWriter.error("MarkAllItemsAsRead", error)
            case .success(let found) where found.mailbox != owner: return SOAPWriter.error("MarkAllItemsAsRead", .accessDenied)
            case .success(let found):
                tenant.withStore(owner) { store in
                    for item in store.items.values where item.folderID == found.folder.id && item.isRead != read {
                        var changed = item
                        changed.isRead = read
                        changed.history = Array((item.history + [ChangeRecord(changeKey: item.changeKey, changedFields: [])]).suffix(20))
                        for i in changed.history.indices { changed.history[i].changedFields.insert("message:IsRead") }
                        changed.changeKey = tenant.ids.changeKey()
                        store.items[item.id] = changed
                    }
                }
                return SOAPWriter.success("MarkAllItemsAsRead", payload: "")
            }
        }
        return SOAPWriter.operationResponse("MarkAllItemsAsRead", messages: messages)
    }
}
