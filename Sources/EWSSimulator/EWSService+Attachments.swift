import EWSProtocol
import Foundation

extension EWSService {
    /// The item of the acting mailbox that holds an attachment, and the attachment.
    private func findAttachment(_ id: String, _ context: RequestContext) -> Result<(item: StoredItem, attachment: StoredAttachment), EWSError> {
        guard IDFactory.isWellFormed(id) else { return .failure(.idMalformed) }
        guard context.mailboxUser.hasMailbox else { return .failure(.missingEmailAddress) }
        let found = tenant.withStore(context.mailboxUser.primarySmtpAddress) { store -> (StoredItem, StoredAttachment)? in
            for item in store.items.values {
                if let a = item.attachments.first(where: { $0.id == id }) { return (item, a) }
            }
            return nil
        } ?? nil
        guard let found else {
            return .failure(EWSError("ErrorInvalidAttachmentId", "The attachment id is invalid or the attachment does not exist."))
        }
        return .success((found.0, found.1))
    }

    /// GetAttachment: file attachments with their content, item attachments with their item in
    /// the attachment shape.
    func getAttachment(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let shape: ItemResponseShape
        do throws(EWSError) {
            shape = try ItemResponseShape(request.child("AttachmentShape"))
        } catch {
            let messages = (request.child("AttachmentIds")?.children ?? []).map { _ in SOAPWriter.error("GetAttachment", error, emptyPayload: "<m:Attachments/>") }
            return SOAPWriter.operationResponse("GetAttachment", messages: messages)
        }
        let messages = (request.child("AttachmentIds")?.children ?? []).map { element -> String in
            switch findAttachment(element.attribute("Id") ?? "", context) {
            case .failure(let error): return SOAPWriter.error("GetAttachment", error, emptyPayload: "<m:Attachments/>")
            case .success(let found):
                var a = found.attachment
                if let inner = a.attachedItem?.item {
                    let writer = ItemSerializer(shape: shape, context: .getItem, folderChangeKey: { _ in "" })
                    return SOAPWriter.success("GetAttachment", payload: "<m:Attachments>" + ItemSerializer.attachmentSummary(a, inner: writer.xml(inner)) + "</m:Attachments>")
                }
                if quirks.contains(.corruptAttachmentContent), !a.content.isEmpty {
                    a.content[a.content.count / 2] ^= 0xFF
                }
                let xml = "<m:Attachments><t:FileAttachment><t:AttachmentId Id=\"\(a.id)\"/><t:Name>\(a.name.xmlEscaped)</t:Name>"
                    + "<t:ContentType>\(a.contentType.xmlEscaped)</t:ContentType>" + (a.contentID.map { "<t:ContentId>\($0.xmlEscaped)</t:ContentId>" } ?? "")
                    + "<t:Size>\(a.content.count)</t:Size>"
                    + "<t:LastModifiedTime>\(ItemSerializer.localDate(a.lastModified))</t:LastModifiedTime><t:IsInline>\(a.isInline)</t:IsInline>"
                    + "<t:IsContactPhoto>false</t:IsContactPhoto><t:Content>\(Data(a.content).base64EncodedString())</t:Content></t:FileAttachment></m:Attachments>"
                return SOAPWriter.success("GetAttachment", payload: xml)
            }
        }
        return SOAPWriter.operationResponse("GetAttachment", messages: messages)
    }

    /// CreateAttachment: file and item attachments added to an item of the acting mailbox; the
    /// item gets a new change key, which each answer carries.
    func createAttachment(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let elements = request.child("Attachments")?.children ?? []
        func refuseAll(_ error: EWSError) -> String {
            SOAPWriter.operationResponse("CreateAttachment", messages: Array(repeating: SOAPWriter.error("CreateAttachment", error, emptyPayload: "<m:Attachments/>"), count: max(elements.count, 1)))
        }
        guard let parent = request.child("ParentItemId") else { return refuseAll(EWSError("ErrorInvalidRequest", "The request is invalid.")) }
        if let id = parent.attribute("Id"), OccurrenceID.parse(id) != nil {
            return refuseAll(.notImplemented("attachments on a single occurrence of a recurring item"))
        }
        var item: StoredItem
        switch lookupItem(parent, context) {
        case .success(let found): item = found
        case .failure(let error): return refuseAll(error)
        }
        if let key = parent.attribute("ChangeKey") {
            do throws(EWSError) {
                try checkChangeKey(key, of: item, resolution: "NeverOverwrite", changing: ["item:Attachments"])
            } catch {
                return refuseAll(error)
            }
        }
        let reader = ItemReader(ids: tenant.ids, now: Date())
        var added: [StoredAttachment] = []
        var messages: [String?] = []
        for element in elements {
            do throws(EWSError) {
                let attachment = [try reader.attachment(element)]
                guard item.size + attachment.reduce(0, { $0 + $1.content.count + ($1.attachedItem?.item.size ?? 0) }) <= flavor.maxMessageBytes else {
                    throw EWSError("ErrorAttachmentSizeLimitExceeded", "The attachment is too large.")
                }
                item.attachments += attachment
                added += attachment
                messages.append(nil)
            } catch {
                messages.append(SOAPWriter.error("CreateAttachment", error, emptyPayload: "<m:Attachments/>"))
            }
        }
        if !added.isEmpty {
            item.history = Array((item.history + [ChangeRecord(changeKey: item.changeKey, changedFields: ["item:Attachments"])]).suffix(20))
            item.changeKey = tenant.ids.changeKey()
            item.lastModified = Date()
            let stored = item
            tenant.withStore(context.mailboxUser.primarySmtpAddress) { $0.items[stored.id] = stored }
        }
        var next = added.makeIterator()
        let xml = messages.map { message -> String in
            if let message { return message }
            guard let a = next.next() else { return "" }
            let kind = a.attachedItem == nil ? "FileAttachment" : "ItemAttachment"
            return SOAPWriter.success("CreateAttachment", payload: "<m:Attachments><t:\(kind)><t:AttachmentId Id=\"\(a.id)\" RootItemId=\"\(item.id)\" RootItemChangeKey=\"\(item.changeKey)\"/></t:\(kind)></m:Attachments>")
        }
        return SOAPWriter.operationResponse("CreateAttachment", messages: xml)
    }

    /// DeleteAttachment: removes attachments; each answer names the item and its new change key.
    func deleteAttachment(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let owner = context.mailboxUser.primarySmtpAddress
        let messages = (request.child("AttachmentIds")?.children ?? []).map { element -> String in
            switch findAttachment(element.attribute("Id") ?? "", context) {
            case .failure(let error): return SOAPWriter.error("DeleteAttachment", error)
            case .success(let found):
                let key = tenant.ids.changeKey()
                tenant.withStore(owner) { store in
                    guard var item = store.items[found.item.id] else { return }
                    item.attachments.removeAll { $0.id == found.attachment.id }
                    item.history = Array((item.history + [ChangeRecord(changeKey: item.changeKey, changedFields: ["item:Attachments"])]).suffix(20))
                    item.changeKey = key
                    item.lastModified = Date()
                    store.items[item.id] = item
                }
                return SOAPWriter.success("DeleteAttachment", payload: "<m:RootItemId RootItemId=\"\(found.item.id)\" RootItemChangeKey=\"\(key)\"/>")
            }
        }
        return SOAPWriter.operationResponse("DeleteAttachment", messages: messages)
    }
}
