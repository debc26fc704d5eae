import EWSProtocol
import Foundation

extension EWSService {
    /// MoveItem and CopyItem within the acting mailbox: the moved or copied item gets a new id
    /// (Exchange's ids name the folder), which the response returns.
    func moveOrCopyItem(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let operation = request.name
        let copy = operation == "CopyItem"
        let owner = context.mailboxUser.primarySmtpAddress
        let ids = request.child("ItemIds")?.children ?? []
        guard let folderElement = request.child("ToFolderId")?.children.first else {
            throw EWSError("ErrorInvalidRequest", "The request is invalid.")
        }
        let destination: StoredFolder
        switch resolveFolder(folderElement, context) {
        case .success(let found) where found.mailbox == owner: destination = found.folder
        case .success: return SOAPWriter.operationResponse(operation, messages: ids.map { _ in SOAPWriter.error(operation, .accessDenied, emptyPayload: "<m:Items/>") })
        case .failure(let error): return SOAPWriter.operationResponse(operation, messages: ids.map { _ in SOAPWriter.error(operation, error, emptyPayload: "<m:Items/>") })
        }
        let returnIds = request.child("ReturnNewItemIds").flatMap { XSBoolean.parse($0.text) } ?? true
        let messages = ids.map { element -> String in
            if let id = element.attribute("Id"), OccurrenceID.parse(id) != nil {
                return SOAPWriter.error(operation, EWSError("ErrorCalendarCannotMoveOrCopyOccurrence", "Cannot move or copy an occurrence of a recurring calendar item."), emptyPayload: "<m:Items/>")
            }
            switch lookupItem(element, context) {
            case .failure(let error): return SOAPWriter.error(operation, error, emptyPayload: "<m:Items/>")
            case .success(let item):
                var moved = item
                moved.id = tenant.ids.itemID()
                moved.changeKey = tenant.ids.changeKey()
                moved.folderID = destination.id
                moved.history = []
                if copy { moved.copiedFrom = item.id; moved.movedFrom = nil } else { moved.movedFrom = item.id; moved.copiedFrom = nil }
                moved.delivered = false
                if copy {
                    moved.attachments = moved.attachments.map { a in
                        var c = a
                        c.id = tenant.ids.attachmentID()
                        return c
                    }
                }
                let result = moved
                tenant.withStore(owner) { store in
                    if !copy { store.items[item.id] = nil }
                    store.items[result.id] = result
                }
                let payload = returnIds ? "<m:Items><t:\(result.kind)><t:ItemId Id=\"\(result.id)\" ChangeKey=\"\(result.changeKey)\"/></t:\(result.kind)></m:Items>" : "<m:Items/>"
                return SOAPWriter.success(operation, payload: payload)
            }
        }
        return SOAPWriter.operationResponse(operation, messages: messages)
    }

    /// SendItem: sends saved drafts; `SaveItemToFolder` keeps a copy (in Sent Items, or the
    /// folder named).
    func sendItem(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let save = request.attribute("SaveItemToFolder").flatMap(XSBoolean.parse) ?? true
        var folder: StoredFolder?
        let ids = request.child("ItemIds")?.children ?? []
        if let folderElement = request.child("SavedItemFolderId")?.children.first {
            switch resolveFolder(folderElement, context) {
            case .success(let found): folder = found.folder
            case .failure(let error): return SOAPWriter.operationResponse("SendItem", messages: ids.map { _ in SOAPWriter.error("SendItem", error) })
            }
        }
        let messages = ids.map { element -> String in
            switch lookupItem(element, context) {
            case .failure(let error): return SOAPWriter.error("SendItem", error)
            case .success(let item):
                do throws(EWSError) {
                    if let key = element.attribute("ChangeKey") {
                        try checkChangeKey(key, of: item, resolution: "NeverOverwrite", changing: ["*"])
                    }
                    guard item.isDraft else {
                        throw EWSError("ErrorInvalidOperation", "The item is not a draft and cannot be sent.")
                    }
                    try send(item, saveCopy: save, to: folder, context)
                    return SOAPWriter.success("SendItem", payload: "")
                } catch {
                    return SOAPWriter.error("SendItem", error)
                }
            }
        }
        return SOAPWriter.operationResponse("SendItem", messages: messages)
    }
}
