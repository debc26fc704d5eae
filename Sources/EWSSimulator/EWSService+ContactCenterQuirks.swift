import EWSProtocol
import Foundation

extension EWSService {
    /// The quirks that model contact-center deviations, kept in one place around ``dispatch``:
    /// some answer instead of the real operation, the others bend what it did afterwards.
    func dispatchBendingQuirks(_ request: XMLElement, _ context: RequestContext) throws -> String {
        guard !quirks.isEmpty else { return try dispatch(request, context) }
        if let answer = quirkAnswer(request, context) { return answer }
        let owner = context.mailboxUser.primarySmtpAddress
        // What the operation is about to change, for the quirks that undo or redo part of it.
        let originals = ["MoveItem", "CopyItem"].contains(request.name)
            ? (request.child("ItemIds")?.children ?? []).compactMap { try? lookupItem($0, context).get() } : []
        let sentBefore = Set(sentItems(owner).map(\.id))
        var xml = try dispatch(request, context)
        switch request.name {
        case "CreateItem":
            let created = Self.itemIDs(in: xml)
            let mime = request.child("Items")?.children.contains { $0.child("MimeContent") != nil } ?? false
            tenant.withStore(owner) { store in
                for id in created {
                    if quirks.contains(.productPropertiesDropped), let kept = store.items[id]?.extended.filter({
                        if case .name(let set, _) = $0.key.identity { return set == "6f9e3c2a-5b1d-4e8f-9a7c-2d4b6e8f0a13" }
                        return false
                    }) {
                        store.items[id]?.extended = kept
                    }
                    if quirks.contains(.mimeAttachmentsDropped), mime { store.items[id]?.attachments = [] }
                }
            }
            if quirks.contains(.sentCopyNotSaved), request.attribute("MessageDisposition") == "SendAndSaveCopy" {
                tenant.withStore(owner) { store in
                    for item in store.items.values where item.folderID == store.folder(distinguished: "sentitems")?.id && !sentBefore.contains(item.id) {
                        store.items[item.id] = nil
                    }
                }
            }
        case "MoveItem" where quirks.contains(.moveItemKeepsOriginal):
            tenant.withStore(owner) { store in for item in originals { store.items[item.id] = item } }
        case "CopyItem" where quirks.contains(.copyItemMovesOriginal):
            tenant.withStore(owner) { store in for item in originals { store.items[item.id] = nil } }
        case "GetItem" where quirks.contains(.isReadNotReturned):
            xml = xml.replacingOccurrences(of: "<t:IsRead>[^<]*</t:IsRead>", with: "", options: .regularExpression)
        case "ResolveNames":
            if quirks.contains(.resolveNamesWithoutContactData) {
                xml = xml.replacingOccurrences(of: "<t:Contact>.*?</t:Contact>", with: "", options: .regularExpression)
            }
            if quirks.contains(.unknownNameResolvesEmpty), xml.contains("ErrorNameResolutionNoResults") {
                xml = SOAPWriter.operationResponse("ResolveNames", messages: [SOAPWriter.success(
                    "ResolveNames", payload: "<m:ResolutionSet TotalItemsInView=\"0\" IncludesLastItemInRange=\"true\"/>")])
            }
        case "GetUserAvailabilityRequest":
            if quirks.contains(.freeBusyOmitsCreatedEvent) {
                xml = xml.replacingOccurrences(of: "<t:CalendarEvent>.*?</t:CalendarEvent>", with: "", options: .regularExpression)
                    .replacingOccurrences(of: "<t:MergedFreeBusy>[0-9]*</t:MergedFreeBusy>", with: "", options: .regularExpression)
            }
            if quirks.contains(.freeBusyBusyAsTentative) {
                xml = xml.replacingOccurrences(of: "<t:BusyType>Busy</t:BusyType>", with: "<t:BusyType>Tentative</t:BusyType>")
            }
            if quirks.contains(.freeBusyTimesMislabelled) {
                xml = xml.replacingOccurrences(of: "<t:(Start|End)Time>([0-9T:-]{19})</t:(Start|End)Time>", with: "<t:$1Time>$2+01:00</t:$3Time>",
                                               options: .regularExpression)
            }
            if quirks.contains(.workingHoursMissing) {
                xml = xml.replacingOccurrences(of: "<t:WorkingHours>.*?</t:WorkingHours>", with: "", options: .regularExpression)
            }
        case "GetFolder" where quirks.contains(.schemaViolatingResponse):
            // ResponseMessageType allows MessageText, ResponseCode, DescriptiveLinkKey, MessageXml, then Folders.
            xml = xml.replacingOccurrences(of: "</m:ResponseCode>", with: "</m:ResponseCode><m:HostingNote>served by the hosting front end</m:HostingNote>")
        default: break
        }
        return xml
    }

    /// An answer given instead of the operation, when a quirk calls for one.
    private func quirkAnswer(_ request: XMLElement, _ context: RequestContext) -> String? {
        switch request.name {
        case "UpdateItem" where quirks.contains(.readFlagUpdateIgnored):
            let changes = request.child("ItemChanges")?.children ?? []
            let onlyReadFlag = changes.allSatisfy { change in
                (change.child("Updates")?.children ?? []).allSatisfy { $0.child("FieldURI")?.attribute("FieldURI") == "message:IsRead" }
            }
            guard onlyReadFlag, !changes.isEmpty else { return nil }
            return SOAPWriter.operationResponse("UpdateItem", messages: changes.map { change in
                guard let idElement = change.children.first, let item = try? lookupItem(idElement, context).get() else {
                    return SOAPWriter.error("UpdateItem", .itemNotFound, emptyPayload: "<m:Items/>")
                }
                return SOAPWriter.success("UpdateItem", payload: "<m:Items><t:\(item.kind)><t:ItemId Id=\"\(item.id)\" ChangeKey=\"\(item.changeKey)\"/></t:\(item.kind)></m:Items><m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>")
            })
        case "MarkAllItemsAsRead" where quirks.contains(.markAllItemsAsReadIgnored):
            return SOAPWriter.operationResponse("MarkAllItemsAsRead", messages: (request.child("FolderIds")?.children ?? []).map { _ in
                SOAPWriter.success("MarkAllItemsAsRead", payload: "")
            })
        case "FindItem" where quirks.contains(.extendedPropertyRestrictionRefused):
            guard let restriction = request.child("Restriction"), Self.mentionsExtendedProperty(restriction) else { return nil }
            let error = EWSError("ErrorUnsupportedPathForQuery", "The property cannot be used in a restriction.")
            return SOAPWriter.operationResponse("FindItem", messages: (request.child("ParentFolderIds")?.children ?? []).map { _ in
                SOAPWriter.error("FindItem", error)
            })
        case "GetFolder" where quirks.contains(.contactsFolderMissing):
            let folders = request.child("FolderIds")?.children ?? []
            guard folders.contains(where: { $0.name == "DistinguishedFolderId" && $0.attribute("Id") == "contacts" }) else { return nil }
            return SOAPWriter.operationResponse("GetFolder", messages: folders.map { _ in
                SOAPWriter.error("GetFolder", EWSError("ErrorFolderNotFound", "The specified folder could not be found in the store."), emptyPayload: "<m:Folders/>")
            })
        case "GetUserOofSettingsRequest" where quirks.contains(.oofSettingsRefused):
            return "<m:GetUserOofSettingsResponse xmlns:m=\"\(SOAPWriter.messagesNS)\" xmlns:t=\"\(SOAPWriter.typesNS)\">"
                + SOAPWriter.error("", .accessDenied) + "</m:GetUserOofSettingsResponse>"
        default:
            return nil
        }
    }

    private func sentItems(_ owner: String) -> [StoredItem] {
        guard quirks.contains(.sentCopyNotSaved) else { return [] }
        return tenant.withStore(owner) { store in
            guard let sent = store.folder(distinguished: "sentitems") else { return [] }
            return store.items(in: sent.id)
        } ?? []
    }

    private static func mentionsExtendedProperty(_ element: XMLElement) -> Bool {
        element.name == "ExtendedFieldURI" || element.children.contains(where: mentionsExtendedProperty)
    }

    private static func itemIDs(in xml: String) -> [String] {
        var ids: [String] = []
        var rest = Substring(xml)
        while let start = rest.range(of: "<t:ItemId Id=\""), let end = rest[start.upperBound...].firstIndex(of: "\"") {
            ids.append(String(rest[start.upperBound..<end]))
            rest = rest[end...]
        }
        return ids
    }
}
