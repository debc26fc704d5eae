import EWSProtocol
import Foundation

extension EWSService {
    private func serializer(_ shapeElement: XMLElement?, _ context: ItemSerializer.Context, mailbox: String) -> ItemSerializer {
        ItemSerializer(shape: shapeElement?.child("BaseShape")?.text ?? "Default", additional: Self.fieldURIs(shapeElement),
                       context: context, folderChangeKey: { [tenant] id in
                           (tenant.withStore(mailbox) { $0.folders[id]?.changeKey } ?? nil) ?? ""
                       })
    }

    /// Finds an item of the acting mailbox by an `ItemId` element.
    private func lookupItem(_ element: XMLElement, _ context: RequestContext) -> Result<StoredItem, EWSError> {
        guard element.name == "ItemId", let id = element.attribute("Id") else { return .failure(.itemNotFound) }
        guard IDFactory.isWellFormed(id) else { return .failure(.idMalformed) }
        guard context.mailboxUser.hasMailbox,
              let item = tenant.withStore(context.mailboxUser.primarySmtpAddress, { $0.items[id] }) ?? nil else {
            return .failure(.itemNotFound)
        }
        return .success(item)
    }

    func findItem(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let shapeElement = request.child("ItemShape")
        let view = request.child("IndexedPageItemView")
        let maxEntries = view?.attribute("MaxEntriesReturned").flatMap { Int($0) } ?? Int.max
        let offset = view?.attribute("Offset").flatMap { Int($0) } ?? 0
        let fromEnd = view?.attribute("BasePoint") == "End"
        let messages = (request.child("ParentFolderIds")?.children ?? []).map { element -> String in
            switch resolveFolder(element, context) {
            case .success(let found):
                let all = tenant.withStore(found.mailbox) { $0.items(in: found.folder.id) } ?? []
                let ordered = fromEnd ? Array(all.reversed()) : all
                let start = min(max(offset, 0), ordered.count)
                let page = Array(ordered[start..<min(ordered.count, start + max(maxEntries, 0))])
                let writer = serializer(shapeElement, .findItem, mailbox: found.mailbox)
                let last = start + page.count >= ordered.count
                var attrs = "TotalItemsInView=\"\(all.count)\" IncludesLastItemInRange=\"\(last)\""
                if view != nil && !last { attrs = "IndexedPagingOffset=\"\(start + page.count)\" " + attrs }
                return SOAPWriter.success("FindItem", payload: "<m:RootFolder \(attrs)><t:Items>" + page.map(writer.xml).joined() + "</t:Items></m:RootFolder>")
            case .failure(let error):
                return SOAPWriter.error("FindItem", error)
            }
        }
        return SOAPWriter.operationResponse("FindItem", messages: messages)
    }

    func getItem(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let writer = serializer(request.child("ItemShape"), .getItem, mailbox: context.mailboxUser.primarySmtpAddress)
        let messages = (request.child("ItemIds")?.children ?? []).map { element -> String in
            switch lookupItem(element, context) {
            case .success(let item): return SOAPWriter.success("GetItem", payload: "<m:Items>\(writer.xml(item))</m:Items>")
            case .failure(let error): return SOAPWriter.error("GetItem", error, emptyPayload: "<m:Items/>")
            }
        }
        return SOAPWriter.operationResponse("GetItem", messages: messages)
    }

    private static func addresses(_ element: XMLElement?) -> [StoredAddress] {
        (element?.children("Mailbox") ?? []).compactMap { m in
            guard let email = m.child("EmailAddress")?.text, !email.isEmpty else { return nil }
            return StoredAddress(name: m.child("Name")?.text, email: email)
        }
    }

    func createItem(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let disposition = request.attribute("MessageDisposition")
        var target: (mailbox: String, folder: StoredFolder)?
        if let folderElement = request.child("SavedItemFolderId")?.children.first {
            switch resolveFolder(folderElement, context) {
            case .success(let found): target = found
            case .failure(let error):
                return SOAPWriter.operationResponse("CreateItem", messages: [SOAPWriter.error("CreateItem", error, emptyPayload: "<m:Items/>")])
            }
        }
        var messages: [String] = []
        for itemElement in request.child("Items")?.children ?? [] {
            guard itemElement.name == "Message" else {
                messages.append(SOAPWriter.error("CreateItem", EWSError("ErrorInvalidOperation", "The simulated provider only creates messages, not \(itemElement.name)."), emptyPayload: "<m:Items/>"))
                continue
            }
            guard let disposition else {
                messages.append(SOAPWriter.error("CreateItem", EWSError("ErrorMessageDispositionRequired", "MessageDisposition is required for this operation."), emptyPayload: "<m:Items/>"))
                continue
            }
            guard context.mailboxUser.hasMailbox else {
                messages.append(SOAPWriter.error("CreateItem", .missingEmailAddress, emptyPayload: "<m:Items/>"))
                continue
            }
            let now = Date()
            var attachments: [StoredAttachment] = []
            var attachmentError: EWSError?
            for a in itemElement.child("Attachments")?.children ?? [] {
                guard a.name == "FileAttachment" else {
                    attachmentError = EWSError("ErrorInvalidOperation", "The simulated provider only stores file attachments.")
                    break
                }
                guard let name = a.child("Name")?.text, !name.isEmpty else {
                    attachmentError = EWSError("ErrorRequiredPropertyMissing", "Required property is missing.",
                                               messageXml: "<t:FieldURI FieldURI=\"attachment:Name\"/>")
                    break
                }
                guard let content = Data(base64Encoded: a.child("Content")?.text ?? "", options: .ignoreUnknownCharacters) else {
                    attachmentError = EWSError.schemaValidation("The Content element is not valid base64.", line: a.line, position: 1)
                    break
                }
                attachments.append(StoredAttachment(id: tenant.ids.attachmentID(), name: name,
                                                    contentType: a.child("ContentType")?.text ?? "application/octet-stream",
                                                    isInline: a.child("IsInline")?.text == "true", content: [UInt8](content), lastModified: now))
            }
            if let attachmentError {
                messages.append(SOAPWriter.error("CreateItem", attachmentError, emptyPayload: "<m:Items/>"))
                continue
            }
            let owner = context.mailboxUser.primarySmtpAddress
            let body = itemElement.child("Body")
            var item = StoredItem(
                id: "", changeKey: "", folderID: "", kind: "Message",
                itemClass: itemElement.child("ItemClass")?.text ?? "IPM.Note",
                subject: itemElement.child("Subject")?.text ?? "",
                body: body?.text ?? "", bodyType: body?.attribute("BodyType") ?? "Text",
                attachments: attachments, from: Self.addresses(itemElement.child("From")).first,
                toRecipients: Self.addresses(itemElement.child("ToRecipients")),
                ccRecipients: Self.addresses(itemElement.child("CcRecipients")),
                isRead: itemElement.child("IsRead").map { $0.text == "true" } ?? true, isDraft: true,
                importance: itemElement.child("Importance")?.text ?? "Normal",
                sensitivity: itemElement.child("Sensitivity")?.text ?? "Normal", created: now, received: now)
            switch disposition {
            case "SaveOnly":
                let folder = target ?? (tenant.withStore(owner) { $0.folder(distinguished: "drafts") }.flatMap { $0 }).map { (owner, $0) }
                guard let folder, folder.mailbox == owner else {
                    messages.append(SOAPWriter.error("CreateItem", .accessDenied, emptyPayload: "<m:Items/>"))
                    continue
                }
                item.id = tenant.ids.itemID()
                item.changeKey = tenant.ids.changeKey()
                item.folderID = folder.folder.id
                // A message saved anywhere but Drafts is a finished message (how voicemail lands).
                item.isDraft = folder.folder.distinguishedName == "drafts"
                let stored = item
                tenant.withStore(owner) { $0.items[stored.id] = stored }
                messages.append(SOAPWriter.success("CreateItem", payload: "<m:Items><t:Message><t:ItemId Id=\"\(stored.id)\" ChangeKey=\"\(stored.changeKey)\"/></t:Message></m:Items>"))
            case "SendOnly", "SendAndSaveCopy":
                deliver(item, from: context.mailboxUser)
                if disposition == "SendAndSaveCopy" {
                    let folder = target?.folder ?? (tenant.withStore(owner) { $0.folder(distinguished: "sentitems") } ?? nil)
                    if let folder {
                        var copy = item
                        copy.id = tenant.ids.itemID()
                        copy.changeKey = tenant.ids.changeKey()
                        copy.folderID = folder.id
                        copy.isDraft = false
                        let stored = copy
                        tenant.withStore(owner) { $0.items[stored.id] = stored }
                    }
                }
                messages.append(SOAPWriter.success("CreateItem", payload: "<m:Items/>"))
            default:
                messages.append(SOAPWriter.error("CreateItem", EWSError("ErrorInvalidRequest", "The request is invalid."), emptyPayload: "<m:Items/>"))
            }
        }
        return SOAPWriter.operationResponse("CreateItem", messages: messages)
    }

    /// Puts a copy of a sent message into the Inbox of every recipient who has a mailbox here.
    private func deliver(_ item: StoredItem, from sender: SimulatedUser) {
        for recipient in item.toRecipients + item.ccRecipients {
            guard let user = tenant.user(anySmtp: recipient.email), user.hasMailbox else { continue }
            tenant.withStore(user.primarySmtpAddress) { store in
                guard let inbox = store.folder(distinguished: "inbox") else { return }
                var copy = item
                copy.id = tenant.ids.itemID()
                copy.changeKey = tenant.ids.changeKey()
                copy.folderID = inbox.id
                copy.isRead = false
                copy.isDraft = false
                copy.received = Date()
                copy.from = copy.from ?? StoredAddress(name: sender.displayName, email: sender.primarySmtpAddress)
                store.items[copy.id] = copy
            }
        }
    }

    func getAttachment(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let owner = context.mailboxUser.primarySmtpAddress
        let messages = (request.child("AttachmentIds")?.children ?? []).map { element -> String in
            let id = element.attribute("Id") ?? ""
            guard IDFactory.isWellFormed(id) else { return SOAPWriter.error("GetAttachment", .idMalformed, emptyPayload: "<m:Attachments/>") }
            let found = tenant.withStore(owner) { store in
                store.items.values.lazy.flatMap(\.attachments).first { $0.id == id }
            } ?? nil
            guard var a = found else { return SOAPWriter.error("GetAttachment", .itemNotFound, emptyPayload: "<m:Attachments/>") }
            if quirks.contains(.corruptAttachmentContent), !a.content.isEmpty {
                a.content[a.content.count / 2] ^= 0xFF
            }
            let xml = "<m:Attachments><t:FileAttachment><t:AttachmentId Id=\"\(a.id)\"/><t:Name>\(a.name.xmlEscaped)</t:Name>"
                + "<t:ContentType>\(a.contentType.xmlEscaped)</t:ContentType><t:Size>\(a.content.count)</t:Size>"
                + "<t:LastModifiedTime>\(ItemSerializer.localDate(a.lastModified))</t:LastModifiedTime><t:IsInline>\(a.isInline)</t:IsInline>"
                + "<t:IsContactPhoto>false</t:IsContactPhoto><t:Content>\(Data(a.content).base64EncodedString())</t:Content></t:FileAttachment></m:Attachments>"
            return SOAPWriter.success("GetAttachment", payload: xml)
        }
        return SOAPWriter.operationResponse("GetAttachment", messages: messages)
    }

    func deleteItem(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let deleteType = request.attribute("DeleteType") ?? ""
        guard ["HardDelete", "SoftDelete", "MoveToDeletedItems"].contains(deleteType) else {
            throw EWSError.schemaValidation("The 'DeleteType' attribute is invalid or missing.", line: request.line, position: 1)
        }
        let owner = context.mailboxUser.primarySmtpAddress
        let messages = (request.child("ItemIds")?.children ?? []).map { element -> String in
            switch lookupItem(element, context) {
            case .failure(let error): return SOAPWriter.error("DeleteItem", error)
            case .success(let item):
                tenant.withStore(owner) { store in
                    let deleted = store.folder(distinguished: "deleteditems")?.id
                    let recoverable = store.folder(distinguished: "recoverableitemsdeletions")?.id
                    switch deleteType {
                    case "HardDelete" where quirks.contains(.hardDeleteIgnored):
                        break
                    case "HardDelete":
                        store.items[item.id] = nil
                    case "MoveToDeletedItems" where item.folderID != deleted:
                        store.items[item.id]?.folderID = deleted ?? item.folderID
                    default:
                        store.items[item.id]?.folderID = recoverable ?? item.folderID
                    }
                }
                return SOAPWriter.success("DeleteItem", payload: "")
            }
        }
        return SOAPWriter.operationResponse("DeleteItem", messages: messages)
    }
}
