import EWSProtocol

extension EWSService {
    /// Resolves a `DistinguishedFolderId` or `FolderId` element to a mailbox and folder.
    func resolveFolder(_ element: XMLElement, _ context: RequestContext) -> Result<(mailbox: String, folder: StoredFolder), EWSError> {
        switch element.name {
        case "DistinguishedFolderId":
            let name = element.attribute("Id") ?? ""
            var owner = context.mailboxUser
            if let address = element.path("Mailbox", "EmailAddress")?.text.trimmingCharacters(in: .whitespaces), !address.isEmpty {
                guard let target = tenant.user(anySmtp: address), target.hasMailbox else {
                    return .failure(.nonExistentMailbox(address))
                }
                // Delegate access to someone else's mailbox is not granted in the simulated tenant.
                guard target.primarySmtpAddress == context.mailboxUser.primarySmtpAddress || quirks.contains(.delegateAccessAllowed) else {
                    return .failure(.accessDenied)
                }
                owner = target
            } else if !owner.hasMailbox {
                return .failure(.missingEmailAddress)
            }
            let folder = tenant.withStore(owner.primarySmtpAddress) { $0.folder(distinguished: name) } ?? nil
            guard let folder else {
                return .failure(EWSError("ErrorFolderNotFound", "The specified folder could not be found in the store."))
            }
            return .success((owner.primarySmtpAddress, folder))
        case "FolderId":
            let id = element.attribute("Id") ?? ""
            guard IDFactory.isWellFormed(id) else { return .failure(.idMalformed) }
            guard context.mailboxUser.hasMailbox,
                  let folder = tenant.withStore(context.mailboxUser.primarySmtpAddress, { $0.folders[id] }) ?? nil else {
                return .failure(.itemNotFound)
            }
            return .success((context.mailboxUser.primarySmtpAddress, folder))
        default:
            return .failure(EWSError("ErrorInvalidRequest", "The request is invalid."))
        }
    }

    func folderXML(_ folder: StoredFolder, mailbox: String, shape: String, additional: Set<String>) -> String {
        let counts = tenant.withStore(mailbox) { store -> (Int, Int, Int) in
            let items = store.items(in: folder.id)
            return (items.count, items.filter { !$0.isRead }.count, store.children(of: folder.id).count)
        } ?? (0, 0, 0)
        let all = shape == "AllProperties"
        let def = shape == "Default" || all
        func want(_ uri: String, _ inDefault: Bool) -> Bool { additional.contains(uri) || (inDefault && def) || all }
        var x = "<t:\(folder.kind)><t:FolderId Id=\"\(folder.id)\" ChangeKey=\"\(folder.changeKey)\"/>"
        if want("folder:ParentFolderId", false), let parent = folder.parentID {
            let ck = tenant.withStore(mailbox) { $0.folders[parent]?.changeKey } ?? nil
            x += "<t:ParentFolderId Id=\"\(parent)\" ChangeKey=\"\(ck ?? "")\"/>"
        }
        if want("folder:FolderClass", false), !folder.folderClass.isEmpty { x += "<t:FolderClass>\(folder.folderClass.xmlEscaped)</t:FolderClass>" }
        if want("folder:DisplayName", true) { x += "<t:DisplayName>\(folder.displayName.xmlEscaped)</t:DisplayName>" }
        let hasUnread = (folder.kind == "Folder" || folder.kind == "TasksFolder" || folder.kind == "SearchFolder") && !flavor.omitsFolderCounts
        if want("folder:TotalCount", hasUnread), !flavor.omitsFolderCounts { x += "<t:TotalCount>\(counts.0)</t:TotalCount>" }
        if want("folder:ChildFolderCount", true) { x += "<t:ChildFolderCount>\(counts.2)</t:ChildFolderCount>" }
        if hasUnread, want("folder:UnreadCount", true) { x += "<t:UnreadCount>\(counts.1)</t:UnreadCount>" }
        return x + "</t:\(folder.kind)>"
    }

    static func fieldURIs(_ shape: XMLElement?) -> Set<String> {
        Set(shape?.child("AdditionalProperties")?.children("FieldURI").compactMap { $0.attribute("FieldURI") } ?? [])
    }

    func getFolder(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let shapeElement = request.child("FolderShape")
        let shape = shapeElement?.child("BaseShape")?.text ?? "Default"
        let additional = Self.fieldURIs(shapeElement)
        let messages = (request.child("FolderIds")?.children ?? []).map { element -> String in
            switch resolveFolder(element, context) {
            case .success(let found):
                return SOAPWriter.success("GetFolder", payload: "<m:Folders>" + folderXML(found.folder, mailbox: found.mailbox, shape: shape, additional: additional) + "</m:Folders>")
            case .failure(let error):
                return SOAPWriter.error("GetFolder", error, emptyPayload: "<m:Folders/>")
            }
        }
        return SOAPWriter.operationResponse("GetFolder", messages: messages)
    }

    func findFolder(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let shapeElement = request.child("FolderShape")
        let shape = shapeElement?.child("BaseShape")?.text ?? "Default"
        let additional = Self.fieldURIs(shapeElement)
        let traversal = request.attribute("Traversal") ?? "Shallow"
        guard traversal == "Shallow" || traversal == "Deep" else {
            let refusal = SOAPWriter.error("FindFolder", .notImplemented("FindFolder Traversal=\"\(traversal)\""))
            return SOAPWriter.operationResponse("FindFolder", messages: (request.child("ParentFolderIds")?.children ?? []).map { _ in refusal })
        }
        let deep = traversal == "Deep"
        let messages = (request.child("ParentFolderIds")?.children ?? []).map { element -> String in
            switch resolveFolder(element, context) {
            case .success(let found):
                let folders = tenant.withStore(found.mailbox) { store -> [StoredFolder] in
                    var result: [StoredFolder] = []
                    var queue = store.children(of: found.folder.id)
                    while !queue.isEmpty {
                        let f = queue.removeFirst()
                        result.append(f)
                        if deep { queue += store.children(of: f.id) }
                    }
                    return result
                } ?? []
                let xml = folders.map { folderXML($0, mailbox: found.mailbox, shape: shape, additional: additional) }.joined()
                return SOAPWriter.success("FindFolder", payload: "<m:RootFolder TotalItemsInView=\"\(folders.count)\" IncludesLastItemInRange=\"true\"><t:Folders>\(xml)</t:Folders></m:RootFolder>")
            case .failure(let error):
                return SOAPWriter.error("FindFolder", error)
            }
        }
        return SOAPWriter.operationResponse("FindFolder", messages: messages)
    }
}
