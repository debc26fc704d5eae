import EWSProtocol
import Foundation

extension EWSService {
    /// UpdateItem: SetItemField, AppendToItemField and DeleteItemField on messages, with the
    /// ChangeKey checked as ConflictResolution asks and a new ChangeKey on every update.
    func updateItem(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let resolution = request.attribute("ConflictResolution") ?? "AutoResolve"
        let disposition = request.attribute("MessageDisposition") ?? "SaveOnly"
        let owner = context.mailboxUser.primarySmtpAddress
        var target: StoredFolder?
        if let folderElement = request.child("SavedItemFolderId")?.children.first {
            switch resolveFolder(folderElement, context) {
            case .success(let found): target = found.folder
            case .failure(let error):
                let refusal = SOAPWriter.error("UpdateItem", error, emptyPayload: "<m:Items/>")
                return SOAPWriter.operationResponse("UpdateItem", messages: (request.child("ItemChanges")?.children ?? []).map { _ in refusal })
            }
        }
        let reader = ItemReader(ids: tenant.ids, now: Date())
        let messages = (request.child("ItemChanges")?.children ?? []).map { change -> String in
            guard let idElement = change.children.first else { return SOAPWriter.error("UpdateItem", .itemNotFound, emptyPayload: "<m:Items/>") }
            guard idElement.name == "ItemId" else {
                return SOAPWriter.error("UpdateItem", .notImplemented("UpdateItem of \(idElement.name)"), emptyPayload: "<m:Items/>")
            }
            if let id = idElement.attribute("Id"), OccurrenceID.parse(id) != nil {
                return updateOccurrence(change, id: id, key: idElement.attribute("ChangeKey"), request: request, reader: reader, context)
            }
            let item: StoredItem
            switch lookupItem(idElement, context) {
            case .success(let found): item = found
            case .failure(let error): return SOAPWriter.error("UpdateItem", error, emptyPayload: "<m:Items/>")
            }
            do throws(EWSError) {
                var invitations = "SendToNone"
                if item.kind == "CalendarItem" {
                    guard let send = request.attribute("SendMeetingInvitationsOrCancellations") else {
                        throw EWSError("ErrorSendMeetingInvitationsOrCancellationsRequired", "The SendMeetingInvitationsOrCancellations attribute is required for calendar items.")
                    }
                    invitations = send
                }
                var updated = item
                var changed = Set<String>()
                for update in change.child("Updates")?.children ?? [] {
                    changed.insert(try apply(update, to: &updated, reader: reader))
                }
                try reader.finishCalendar(&updated)
                try reader.finishContact(&updated)
                if invitations != "SendToNone", updated.calendar?.isMeeting == true, updated.calendar?.isOrganizer == true {
                    updated.calendar?.sequence += 1
                    updated.calendar?.meetingRequestWasSent = true
                    inviteAttendees(updated, organizer: context.mailboxUser, saveCopy: invitations.hasSuffix("SaveCopy"))
                }
                try checkChangeKey(idElement.attribute("ChangeKey"), of: item, resolution: resolution, changing: changed)
                updated.history = Array((item.history + [ChangeRecord(changeKey: item.changeKey, changedFields: [])]).suffix(20))
                for i in updated.history.indices { updated.history[i].changedFields.formUnion(changed) }
                updated.changeKey = tenant.ids.changeKey()
                updated.lastModified = Date()
                if disposition != "SaveOnly" {
                    try send(updated, saveCopy: disposition == "SendAndSaveCopy", to: target, context)
                    return SOAPWriter.success("UpdateItem", payload: "<m:Items/><m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>")
                }
                if let target { updated.folderID = target.id }
                let stored = updated
                tenant.withStore(owner) { $0.items[stored.id] = stored }
                return SOAPWriter.success("UpdateItem", payload: "<m:Items><t:\(stored.kind)><t:ItemId Id=\"\(stored.id)\" ChangeKey=\"\(stored.changeKey)\"/></t:\(stored.kind)></m:Items><m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>")
            } catch {
                return SOAPWriter.error("UpdateItem", error, emptyPayload: "<m:Items/>")
            }
        }
        return SOAPWriter.operationResponse("UpdateItem", messages: messages)
    }

    /// Exchange's write check: a malformed key is `ErrorInvalidChangeKey`; an old one is a
    /// conflict unless AlwaysOverwrite, or AutoResolve finds nothing changed in between that
    /// this update also changes.
    func checkChangeKey(_ key: String?, of item: StoredItem, resolution: String, changing: Set<String>) throws(EWSError) {
        guard let key else {
            if resolution == "NeverOverwrite" {
                throw EWSError("ErrorChangeKeyRequiredForWriteOperations", "When you make a write operation request, you must provide a change key.")
            }
            return
        }
        guard IDFactory.isWellFormedChangeKey(key) else {
            throw EWSError("ErrorInvalidChangeKey", "The change key is invalid.")
        }
        guard key != item.changeKey, resolution != "AlwaysOverwrite" else { return }
        let conflict = EWSError("ErrorIrresolvableConflict", "The send or update operation could not be performed because the change key passed in the request does not match the current change key for the item.")
        guard resolution == "AutoResolve", let since = item.history.first(where: { $0.changeKey == key }) else { throw conflict }
        if !since.changedFields.isDisjoint(with: changing) { throw conflict }
    }

    /// Applies one update; returns the path it changed.
    private func apply(_ update: XMLElement, to item: inout StoredItem, reader: ItemReader) throws(EWSError) -> String {
        guard let path = update.children.first else { throw EWSError("ErrorInvalidRequest", "The request is invalid.") }
        let pathName: String
        var element: String
        switch path.name {
        case "FieldURI":
            pathName = path.attribute("FieldURI") ?? ""
            element = String(pathName.split(separator: ":").last ?? "")
        case "ExtendedFieldURI":
            let ext = try ExtendedFieldPath(path)
            pathName = ext.xml
            element = "ExtendedProperty"
            if update.name == "DeleteItemField" {
                item.extended[ext.key] = nil
                return pathName
            }
        default:
            throw EWSError.notImplemented("UpdateItem of \(path.name)")
        }
        switch update.name {
        case "SetItemField", "AppendToItemField":
            guard let container = update.children.dropFirst().first, let value = container.children.first, container.children.count == 1,
                  value.name == element else {
                throw EWSError("ErrorInvalidPropertyRequest", "The property in the update does not match its path.",
                               messageXml: "<t:FieldURI FieldURI=\"\(pathName.xmlEscaped)\"/>")
            }
            if element == "ExtendedProperty", let uri = value.child("ExtendedFieldURI"), let ext = try? ExtendedFieldPath(path),
               (try? ExtendedFieldPath(uri))?.key != ext.key {
                throw EWSError("ErrorInvalidPropertyRequest", "The property in the update does not match its path.")
            }
            if update.name == "SetItemField" {
                if element == "Attachments" { throw EWSError("ErrorInvalidPropertySet", "Set action is invalid for property.", messageXml: "<t:FieldURI FieldURI=\"item:Attachments\"/>") }
                try reader.apply(value, to: &item)
            } else {
                var appended = item
                try reader.apply(value, to: &appended)
                switch element {
                case "Body": item.body += appended.body
                case "ToRecipients": item.toRecipients += appended.toRecipients
                case "CcRecipients": item.ccRecipients += appended.ccRecipients
                case "BccRecipients": item.bccRecipients += appended.bccRecipients
                case "ReplyTo": item.replyTo += appended.replyTo
                case "RequiredAttendees" where item.calendar != nil: item.calendar?.required += appended.calendar?.required ?? []
                case "OptionalAttendees" where item.calendar != nil: item.calendar?.optional += appended.calendar?.optional ?? []
                case "Resources" where item.calendar != nil: item.calendar?.resources += appended.calendar?.resources ?? []
                default:
                    throw EWSError("ErrorInvalidPropertyAppend", "The property does not support appending.",
                                   messageXml: "<t:FieldURI FieldURI=\"\(pathName.xmlEscaped)\"/>")
                }
            }
        case "DeleteItemField":
            switch element {
            case "Subject": item.subject = ""
            case "Body": item.body = ""
            case "Categories": item.categories = []
            case "ToRecipients": item.toRecipients = []
            case "CcRecipients": item.ccRecipients = []
            case "BccRecipients": item.bccRecipients = []
            case "ReplyTo": item.replyTo = []
            case "From": item.from = nil
            case "Sender": item.sender = nil
            case "Location" where item.calendar != nil: item.calendar?.location = nil
            case "When" where item.calendar != nil: item.calendar?.when = nil
            case "Recurrence" where item.calendar != nil: item.calendar?.recurrence = nil
            case "RequiredAttendees" where item.calendar != nil: item.calendar?.required = []
            case "OptionalAttendees" where item.calendar != nil: item.calendar?.optional = []
            case "Resources" where item.calendar != nil: item.calendar?.resources = []
            case "MeetingWorkspaceUrl" where item.calendar != nil: item.calendar?.meetingWorkspaceUrl = nil
            case "NetShowUrl" where item.calendar != nil: item.calendar?.netShowUrl = nil
            case _ where item.contact != nil && ContactData.keptElements.contains(element):
                item.contact?.strings[element] = nil
                item.contact?.dates[element] = nil
            default:
                guard SimpleItemProperty.byElement[element] != nil else {
                    throw EWSError("ErrorInvalidPropertyDelete", "This property may not be deleted.",
                                   messageXml: "<t:FieldURI FieldURI=\"\(pathName.xmlEscaped)\"/>")
                }
                item.simple[element] = nil
            }
        default:
            throw EWSError.notImplemented("UpdateItem/\(update.name)")
        }
        return pathName
    }

    /// Sends a draft: delivers it, then keeps a copy in Sent Items (or `folder`) or removes it.
    func send(_ item: StoredItem, saveCopy: Bool, to folder: StoredFolder?, _ context: RequestContext) throws(EWSError) {
        guard !(item.toRecipients + item.ccRecipients + item.bccRecipients).isEmpty else {
            throw EWSError("ErrorInvalidRecipients", "At least one recipient isn't valid.")
        }
        guard item.size <= flavor.maxMessageBytes else { throw .messageSizeExceeded }
        var sent = item
        sent.from = sent.from ?? StoredAddress(name: context.mailboxUser.displayName, email: context.mailboxUser.primarySmtpAddress)
        sent.isDraft = false
        sent.isRead = true
        deliver(sent, from: context.mailboxUser)
        let owner = context.mailboxUser.primarySmtpAddress
        tenant.withStore(owner) { store in
            if saveCopy, let destination = folder ?? store.folder(distinguished: "sentitems") {
                sent.folderID = destination.id
                sent.received = Date()
                store.items[sent.id] = sent
            } else {
                store.items[sent.id] = nil
            }
        }
    }
}
