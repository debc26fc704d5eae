import EWSProtocol
import Foundation

extension EWSService {
    /// CreateItem of messages: SaveOnly into a folder (Drafts by default), SendOnly and
    /// SendAndSaveCopy with delivery into the recipients' Inboxes of the tenant.
    func createItem(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let disposition = request.attribute("MessageDisposition")
        var target: (mailbox: String, folder: StoredFolder)?
        func refuseAll(_ error: EWSError) -> String {
            let count = max(request.child("Items")?.children.count ?? 1, 1)
            return SOAPWriter.operationResponse("CreateItem", messages: Array(repeating: SOAPWriter.error("CreateItem", error, emptyPayload: "<m:Items/>"), count: count))
        }
        for child in request.children where !["SavedItemFolderId", "Items"].contains(child.name) {
            return refuseAll(.notImplemented("CreateItem/\(child.name)"))
        }
        if let folderElement = request.child("SavedItemFolderId")?.children.first {
            switch resolveFolder(folderElement, context) {
            case .success(let found): target = found
            case .failure(let error): return refuseAll(error)
            }
        }
        var messages: [String] = []
        let reader = ItemReader(ids: tenant.ids, now: Date())
        for itemElement in request.child("Items")?.children ?? [] {
            if itemElement.name == "CalendarItem" || itemElement.name == "Contact" {
                do throws(EWSError) {
                    guard context.mailboxUser.hasMailbox else { throw .missingEmailAddress }
                    let item = try reader.read(itemElement)
                    messages.append(SOAPWriter.success("CreateItem", payload: try createNonMessage(item, request: request, target: target, context)))
                } catch {
                    messages.append(SOAPWriter.error("CreateItem", error, emptyPayload: "<m:Items/>"))
                }
                continue
            }
            if Self.meetingResponses[itemElement.name] != nil {
                messages.append(respondToMeeting(itemElement, disposition: disposition, context))
                continue
            }
            guard itemElement.name == "Message" else {
                messages.append(SOAPWriter.error("CreateItem", .notImplemented("creating \(itemElement.name) items"), emptyPayload: "<m:Items/>"))
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
            var item: StoredItem
            do throws(EWSError) {
                item = try reader.read(itemElement)
            } catch {
                messages.append(SOAPWriter.error("CreateItem", error, emptyPayload: "<m:Items/>"))
                continue
            }
            let owner = context.mailboxUser.primarySmtpAddress
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
                guard !(item.toRecipients + item.ccRecipients + item.bccRecipients).isEmpty else {
                    messages.append(SOAPWriter.error("CreateItem", EWSError("ErrorInvalidRecipients", "At least one recipient isn't valid."), emptyPayload: "<m:Items/>"))
                    continue
                }
                if item.size > flavor.maxMessageBytes {
                    messages.append(SOAPWriter.error("CreateItem", .messageSizeExceeded, emptyPayload: "<m:Items/>"))
                    continue
                }
                item.isRead = true
                item.from = item.from ?? StoredAddress(name: context.mailboxUser.displayName, email: context.mailboxUser.primarySmtpAddress)
                // The transport stamps a Message-ID on every message it sends (kept from MIME when given).
                if item.simple["InternetMessageId"] == nil {
                    let domain = context.mailboxUser.primarySmtpAddress.split(separator: "@").last.map(String.init) ?? "ewssim.invalid"
                    item.simple["InternetMessageId"] = .string("<\(UUID().uuidString.lowercased())@\(domain)>")
                }
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

    /// Puts a copy of a sent message into the Inbox of every recipient who has a mailbox here,
    /// after the configured transport delay.
    func deliver(_ item: StoredItem, from sender: SimulatedUser) {
        guard deliveryDelayMilliseconds > 0 else { return deliverNow(item, from: sender) }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(deliveryDelayMilliseconds)) { [self] in
            deliverNow(item, from: sender)
        }
    }

    private func deliverNow(_ item: StoredItem, from sender: SimulatedUser) {
        var delivered = Set<String>()
        // Distribution groups deliver to their members (nested groups too).
        for user in tenant.recipients((item.toRecipients + item.ccRecipients + item.bccRecipients).map(\.email)) {
            guard user.hasMailbox, delivered.insert(user.primarySmtpAddress).inserted else { continue }
            tenant.withStore(user.primarySmtpAddress) { store in
                guard let inbox = store.folder(distinguished: "inbox") else { return }
                var copy = item
                copy.id = tenant.ids.itemID()
                copy.changeKey = tenant.ids.changeKey()
                copy.folderID = inbox.id
                copy.isRead = false
                copy.isDraft = false
                copy.received = Date()
                copy.delivered = true
                // Recipients never see the Bcc line.
                copy.bccRecipients = []
                copy.attachments = copy.attachments.map { a in
                    var c = a
                    c.id = tenant.ids.attachmentID()
                    return c
                }
                store.items[copy.id] = copy
            }
            if let from = item.from { autoReply(from: user, to: from, about: item) }
        }
    }
}

extension EWSError {
    static let messageSizeExceeded = EWSError("ErrorMessageSizeExceeded", "The message exceeds the maximum supported size.")
}
