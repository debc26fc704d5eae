import EWSProtocol
import Foundation

extension EWSService {
    /// Finds an item of the acting mailbox by an `ItemId` element.
    func lookupItem(_ element: XMLElement, _ context: RequestContext) -> Result<StoredItem, EWSError> {
        guard element.name == "ItemId" || element.name == "ParentItemId", let id = element.attribute("Id") else { return .failure(.itemNotFound) }
        guard IDFactory.isWellFormed(id) else { return .failure(.idMalformed) }
        if OccurrenceID.parse(id) != nil { return .failure(.notImplemented("this operation on a single occurrence of a recurring item")) }
        guard context.mailboxUser.hasMailbox,
              let item = tenant.withStore(context.mailboxUser.primarySmtpAddress, { $0.items[id] }) ?? nil else {
            return .failure(.itemNotFound)
        }
        return .success(item)
    }

    func getItem(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let shape: ItemResponseShape
        do throws(EWSError) {
            shape = try ItemResponseShape(request.child("ItemShape"))
        } catch {
            let messages = (request.child("ItemIds")?.children ?? []).map { _ in SOAPWriter.error("GetItem", error, emptyPayload: "<m:Items/>") }
            return SOAPWriter.operationResponse("GetItem", messages: messages)
        }
        let writer = itemWriter(shape, .getItem, mailbox: context.mailboxUser.primarySmtpAddress)
        let messages = (request.child("ItemIds")?.children ?? []).map { element -> String in
            switch lookupAnyItem(element, context) {
            case .success(let item): return SOAPWriter.success("GetItem", payload: "<m:Items>\(writer.xml(item))</m:Items>")
            case .failure(let error): return SOAPWriter.error("GetItem", error, emptyPayload: "<m:Items/>")
            }
        }
        return SOAPWriter.operationResponse("GetItem", messages: messages)
    }

    func deleteItem(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let deleteType = request.attribute("DeleteType") ?? ""
        guard ["HardDelete", "SoftDelete", "MoveToDeletedItems"].contains(deleteType) else {
            throw EWSError.schemaValidation("The 'DeleteType' attribute is invalid or missing.", line: request.line, position: 1)
        }
        let owner = context.mailboxUser.primarySmtpAddress
        let cancellations = request.attribute("SendMeetingCancellations")
        let messages = (request.child("ItemIds")?.children ?? []).map { element -> String in
            switch lookupAnyItem(element, context) {
            case .failure(let error): return SOAPWriter.error("DeleteItem", error)
            case .success(let item) where item.kind == "CalendarItem" && cancellations == nil:
                return SOAPWriter.error("DeleteItem", EWSError("ErrorSendMeetingCancellationsRequired", "The SendMeetingCancellations attribute is required for calendar items."))
            case .success(let item) where item.calendar?.originalStart != nil:
                // One occurrence: the master remembers it as deleted.
                guard let occ = OccurrenceID.parse(item.id), let start = item.calendar?.originalStart else { return SOAPWriter.error("DeleteItem", .itemNotFound) }
                tenant.withStore(owner) { store in
                    store.items[occ.master]?.calendar?.deletedOccurrences.insert(start)
                    store.items[occ.master]?.calendar?.modified[start] = nil
                    store.items[occ.master]?.changeKey = tenant.ids.changeKey()
                }
                return SOAPWriter.success("DeleteItem", payload: "")
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
