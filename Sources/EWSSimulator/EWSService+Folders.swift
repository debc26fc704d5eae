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

    /// One folder in the element order of its schema type, with the properties the shape asks for.
    /// EffectiveRights are the owner's (impersonation acts as the owner); the permissions are the
    /// defaults of a new Exchange 2019 mailbox (Default and Anonymous: none; Default may see free/busy
    /// times on the calendar), since the simulator sets no folder permissions. Both, and
    /// DistinguishedFolderId, are written only when asked for by name: AllProperties keeps the set it had.
    func folderXML(_ folder: StoredFolder, mailbox: String, shape: FolderResponseShape) -> String {
        let counts = tenant.withStore(mailbox) { store -> (Int, Int, Int) in
            let items = store.items(in: folder.id)
            return (items.count, items.filter { !$0.isRead }.count, store.children(of: folder.id).count)
        } ?? (0, 0, 0)
        func want(_ uri: String, _ inDefault: Bool) -> Bool { shape.wants(uri, inDefault: inDefault) }
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
        for path in shape.extended {
            if let values = ComputedMapiProperty.values(path.key, of: folder, counts: counts) { x += path.propertyXML(values) }
        }
        if shape.fieldURIs.contains("folder:EffectiveRights") {
            x += "<t:EffectiveRights><t:CreateAssociated>true</t:CreateAssociated><t:CreateContents>true</t:CreateContents>"
                + "<t:CreateHierarchy>true</t:CreateHierarchy><t:Delete>true</t:Delete><t:Modify>true</t:Modify><t:Read>true</t:Read>"
                + "<t:ViewPrivateItems>true</t:ViewPrivateItems></t:EffectiveRights>"
        }
        if shape.fieldURIs.contains("folder:DistinguishedFolderId"), let name = folder.distinguishedName {
            x += "<t:DistinguishedFolderId>\(name.xmlEscaped)</t:DistinguishedFolderId>"
        }
        if shape.fieldURIs.contains("folder:PermissionSet") { x += Self.defaultPermissionSet(kind: folder.kind) }
        if hasUnread, want("folder:UnreadCount", true) { x += "<t:UnreadCount>\(counts.1)</t:UnreadCount>" }
        return x + "</t:\(folder.kind)>"
    }

    /// The permissions Exchange gives a new mailbox's folder: the Default and Anonymous users
    /// with none, except that Default sees free/busy times on calendars (`AvailabilityOnly`).
    static func defaultPermissionSet(kind: String) -> String {
        let calendar = kind == "CalendarFolder"
        let element = calendar ? "CalendarPermission" : "Permission", levelElement = calendar ? "CalendarPermissionLevel" : "PermissionLevel"
        func entry(_ user: String, read: String, level: String) -> String {
            "<t:\(element)><t:UserId><t:DistinguishedUser>\(user)</t:DistinguishedUser></t:UserId>"
                + "<t:CanCreateItems>false</t:CanCreateItems><t:CanCreateSubFolders>false</t:CanCreateSubFolders>"
                + "<t:IsFolderOwner>false</t:IsFolderOwner><t:IsFolderVisible>false</t:IsFolderVisible><t:IsFolderContact>false</t:IsFolderContact>"
                + "<t:EditItems>None</t:EditItems><t:DeleteItems>None</t:DeleteItems><t:ReadItems>\(read)</t:ReadItems>"
                + "<t:\(levelElement)>\(level)</t:\(levelElement)></t:\(element)>"
        }
        let list = calendar ? "CalendarPermissions" : "Permissions"
        let entries = calendar
            ? entry("Default", read: "TimeOnly", level: "FreeBusyTimeOnly") + entry("Anonymous", read: "None", level: "None")
            : entry("Default", read: "None", level: "None") + entry("Anonymous", read: "None", level: "None")
        return "<t:PermissionSet><t:\(list)>\(entries)</t:\(list)></t:PermissionSet>"
    }

    func getFolder(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let ids = request.child("FolderIds")?.children ?? []
        let shape: FolderResponseShape
        do throws(EWSError) { shape = try FolderResponseShape(request.child("FolderShape")) } catch {
            let refusal = SOAPWriter.error("GetFolder", error, emptyPayload: "<m:Folders/>")
            return SOAPWriter.operationResponse("GetFolder", messages: Array(repeating: refusal, count: max(ids.count, 1)))
        }
        let messages = ids.map { element -> String in
            switch resolveFolder(element, context) {
            case .success(let found):
                return SOAPWriter.success("GetFolder", payload: "<m:Folders>" + folderXML(found.folder, mailbox: found.mailbox, shape: shape) + "</m:Folders>")
            case .failure(let error):
                return SOAPWriter.error("GetFolder", error, emptyPayload: "<m:Folders/>")
            }
        }
        return SOAPWriter.operationResponse("GetFolder", messages: messages)
    }

    func findFolder(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let traversal = request.attribute("Traversal") ?? "Shallow"
        let shape: FolderResponseShape
        do throws(EWSError) {
            guard traversal == "Shallow" || traversal == "Deep" else { throw EWSError.notImplemented("FindFolder Traversal=\"\(traversal)\"") }
            shape = try FolderResponseShape(request.child("FolderShape"))
        } catch {
            let refusal = SOAPWriter.error("FindFolder", error)
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
                let xml = folders.map { folderXML($0, mailbox: found.mailbox, shape: shape) }.joined()
                return SOAPWriter.success("FindFolder", payload: "<m:RootFolder TotalItemsInView=\"\(folders.count)\" IncludesLastItemInRange=\"true\"><t:Folders>\(xml)</t:Folders></m:RootFolder>")
            case .failure(let error):
                return SOAPWriter.error("FindFolder", error)
            }
        }
        return SOAPWriter.operationResponse("FindFolder", messages: messages)
    }
}
