import EWSProtocol
import Foundation

extension EWSService {
    static let invitationChoices: Set<String> = ["SendToNone", "SendOnlyToAll", "SendToAllAndSaveCopy"]

    /// Creates a calendar item or a contact (CreateItem): the folder must suit it, a calendar
    /// item needs `SendMeetingInvitations`, and a meeting with invitations is delivered to the
    /// attendees who have a mailbox here (a meeting request in the Inbox, a tentative copy in the
    /// Calendar).
    func createNonMessage(_ item: StoredItem, request: XMLElement, target: (mailbox: String, folder: StoredFolder)?,
                          _ context: RequestContext) throws(EWSError) -> String {
        var item = item
        let owner = context.mailboxUser.primarySmtpAddress
        let defaultFolder = item.kind == "CalendarItem" ? "calendar" : "contacts"
        guard let folder = target?.folder ?? (tenant.withStore(owner) { $0.folder(distinguished: defaultFolder) } ?? nil) else {
            throw EWSError("ErrorFolderNotFound", "The specified folder could not be found in the store.")
        }
        if let target, target.mailbox != owner { throw .accessDenied }
        var invitations = "SendToNone"
        if item.kind == "CalendarItem" {
            guard let send = request.attribute("SendMeetingInvitations") else {
                throw EWSError("ErrorSendMeetingInvitationsRequired", "The SendMeetingInvitations attribute is required for calendar items.")
            }
            guard Self.invitationChoices.contains(send) else { throw EWSError("ErrorCalendarInvalidAttributeValue", "The SendMeetingInvitations value is invalid.") }
            invitations = send
            guard folder.kind == "CalendarFolder" else {
                throw EWSError("ErrorCannotCreateCalendarItemInNonCalendarFolder", "Calendar items can only be created in a calendar folder.")
            }
            item.calendar?.organizer = StoredAddress(name: context.mailboxUser.displayName, email: owner)
        } else if folder.kind != "ContactsFolder" {
            throw EWSError("ErrorCannotCreateContactInNonContactFolder", "Contacts can only be created in a contacts folder.")
        }
        item.id = tenant.ids.itemID()
        item.changeKey = tenant.ids.changeKey()
        item.folderID = folder.id
        if invitations != "SendToNone", item.calendar?.isMeeting == true {
            item.calendar?.meetingRequestWasSent = true
            inviteAttendees(item, organizer: context.mailboxUser, saveCopy: invitations == "SendToAllAndSaveCopy")
        }
        let stored = item
        tenant.withStore(owner) { $0.items[stored.id] = stored }
        return "<m:Items><t:\(stored.kind)><t:ItemId Id=\"\(stored.id)\" ChangeKey=\"\(stored.changeKey)\"/></t:\(stored.kind)></m:Items>"
    }

    /// Sends a meeting request to every attendee with a mailbox in the tenant: the request in
    /// the Inbox and a tentative, not-yet-answered copy of the meeting in the Calendar (what the
    /// Calendar Attendant does); the organizer keeps a copy of the request in Sent Items.
    func inviteAttendees(_ meeting: StoredItem, organizer: SimulatedUser, saveCopy: Bool) {
        guard let cal = meeting.calendar else { return }
        var request = meeting
        request.kind = "MeetingRequest"
        request.itemClass = "IPM.Schedule.Meeting.Request"
        request.from = StoredAddress(name: organizer.displayName, email: organizer.primarySmtpAddress)
        request.toRecipients = cal.required.map(\.address)
        request.ccRecipients = cal.optional.map(\.address)
        request.isDraft = false
        request.delivered = true
        var delivered = Set<String>()
        for attendee in cal.required + cal.optional + cal.resources {
            guard let user = tenant.user(anySmtp: attendee.address.email), user.hasMailbox,
                  user.primarySmtpAddress != organizer.primarySmtpAddress,
                  delivered.insert(user.primarySmtpAddress).inserted else { continue }
            tenant.withStore(user.primarySmtpAddress) { store in
                guard let inbox = store.folder(distinguished: "inbox"), let calendar = store.folder(distinguished: "calendar") else { return }
                // An update replaces the attendee's copy (the same UID).
                for old in store.items.values where old.kind == "CalendarItem" && old.calendar?.uid == cal.uid {
                    store.items[old.id] = nil
                }
                var copy = meeting
                copy.id = tenant.ids.itemID()
                copy.changeKey = tenant.ids.changeKey()
                copy.folderID = calendar.id
                // A room books itself (the resource booking assistant accepts); people are tentative.
                copy.calendar?.freeBusy = user.isRoom ? "Busy" : "Tentative"
                copy.calendar?.isOrganizer = false
                copy.calendar?.myResponse = user.isRoom ? "Accept" : "NoResponseReceived"
                copy.attachments = []
                store.items[copy.id] = copy
                var message = request
                message.id = tenant.ids.itemID()
                message.changeKey = tenant.ids.changeKey()
                message.folderID = inbox.id
                message.isRead = false
                message.received = Date()
                message.attachments = []
                message.simple["AssociatedCalendarItemId"] = .string(copy.id)
                store.items[message.id] = message
            }
        }
        if saveCopy {
            tenant.withStore(organizer.primarySmtpAddress) { store in
                guard let sent = store.folder(distinguished: "sentitems") else { return }
                var copy = request
                copy.id = tenant.ids.itemID()
                copy.changeKey = tenant.ids.changeKey()
                copy.folderID = sent.id
                copy.delivered = false
                copy.attachments = []
                store.items[copy.id] = copy
            }
        }
    }

    /// The occurrence of a recurring master that starts (originally) at `originalStart`, as an
    /// item of its own; nil when the master has no such occurrence.
    func occurrence(of master: StoredItem, at originalStart: Date) -> Result<StoredItem, EWSError> {
        guard var cal = master.calendar, cal.recurrence != nil else { return .failure(.itemNotFound) }
        guard !cal.deletedOccurrences.contains(originalStart) else {
            return .failure(EWSError("ErrorCalendarOccurrenceIsDeletedFromRecurrence", "Occurrence has been deleted from the recurrence."))
        }
        let starts = cal.recurrence?.starts(timeOfDay: cal.start, zone: cal.startZone.timeZone, until: originalStart) ?? []
        guard starts.contains(originalStart) else { return .failure(.itemNotFound) }
        let duration = cal.end.timeIntervalSince(cal.start)
        var item = master
        cal.start = originalStart
        cal.end = originalStart.addingTimeInterval(duration)
        cal.originalStart = originalStart
        if let o = cal.modified[originalStart] {
            cal.start = o.start
            cal.end = o.end
            cal.location = o.location
            cal.freeBusy = o.freeBusy
            cal.isException = true
            item.subject = o.subject
            item.body = o.body
            item.bodyType = o.bodyType
        }
        cal.recurrence = nil
        cal.deletedOccurrences = []
        cal.modified = [:]
        item.calendar = cal
        item.id = OccurrenceID.make(master: master.id, originalStart: originalStart)
        return .success(item)
    }

    /// Finds an item by `ItemId` (occurrence ids included), `OccurrenceItemId` or
    /// `RecurringMasterItemId`.
    func lookupAnyItem(_ element: XMLElement, _ context: RequestContext) -> Result<StoredItem, EWSError> {
        switch element.name {
        case "ItemId":
            guard let id = element.attribute("Id"), let occ = OccurrenceID.parse(id) else { return lookupItem(element, context) }
            return storedItem(occ.master, context).flatMap { occurrence(of: $0, at: occ.originalStart) }
        case "OccurrenceItemId":
            guard let masterID = element.attribute("RecurringMasterId"), let index = element.attribute("InstanceIndex").flatMap({ Int($0) }) else {
                return .failure(EWSError("ErrorInvalidRequest", "The request is invalid."))
            }
            return storedItem(masterID, context).flatMap { master in
                guard let cal = master.calendar, let recurrence = cal.recurrence else {
                    return .failure(EWSError("ErrorCalendarCannotUseIdForOccurrenceId", "The id given is not the id of a recurring master."))
                }
                // Instance indexes count deleted occurrences too.
                let limit = Calendar(identifier: .gregorian).date(byAdding: .year, value: 100, to: cal.start)
                let starts = recurrence.starts(timeOfDay: cal.start, zone: cal.startZone.timeZone, until: limit)
                guard index >= 1, index <= starts.count else {
                    return .failure(EWSError("ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange", "The occurrence index is out of the recurrence range."))
                }
                return occurrence(of: master, at: starts[index - 1])
            }
        case "RecurringMasterItemId":
            guard let id = element.attribute("OccurrenceId") else { return .failure(EWSError("ErrorInvalidRequest", "The request is invalid.")) }
            guard let occ = OccurrenceID.parse(id) else {
                guard IDFactory.isWellFormed(id) else { return .failure(.idMalformed) }
                return .failure(EWSError("ErrorCalendarCannotUseIdForRecurringMasterId", "The id given is not the id of an occurrence."))
            }
            return storedItem(occ.master, context)
        default:
            return lookupItem(element, context)
        }
    }

    private func storedItem(_ id: String, _ context: RequestContext) -> Result<StoredItem, EWSError> {
        guard context.mailboxUser.hasMailbox,
              let item = tenant.withStore(context.mailboxUser.primarySmtpAddress, { $0.items[id] }) ?? nil else {
            return .failure(.itemNotFound)
        }
        return .success(item)
    }

    /// The calendar items, occurrences of recurring masters included, that overlap
    /// [start, end), earliest first.
    func calendarView(_ items: [StoredItem], start: Date, end: Date) -> [StoredItem] {
        var result: [StoredItem] = []
        for item in items {
            guard let cal = item.calendar, item.kind == "CalendarItem" else { continue }
            if cal.recurrence == nil {
                if cal.start < end && cal.end > start || (cal.start == cal.end && cal.start >= start && cal.start < end) { result.append(item) }
                continue
            }
            // Exceptions may have moved from beyond the window into it.
            let starts = Set(cal.occurrenceStarts(until: end)).union(cal.modified.keys)
            for occurrenceStart in starts.sorted() {
                guard case .success(let occ) = occurrence(of: item, at: occurrenceStart), let c = occ.calendar,
                      c.start < end, c.end > start || (c.start == c.end && c.start >= start) else { continue }
                result.append(occ)
            }
        }
        return result.sorted { ($0.calendar?.start ?? .distantPast, $0.id) < ($1.calendar?.start ?? .distantPast, $1.id) }
    }

    /// UpdateItem of one occurrence: its subject, body, location, times and free/busy status
    /// become an exception kept by the master; other changes are refused as not implemented.
    func updateOccurrence(_ change: XMLElement, id: String, key: String?, request: XMLElement, reader: ItemReader,
                          _ context: RequestContext) -> String {
        let allowed: Set<String> = ["item:Subject", "item:Body", "calendar:Location", "calendar:Start", "calendar:End", "calendar:LegacyFreeBusyStatus"]
        do throws(EWSError) {
            guard let occ = OccurrenceID.parse(id) else { throw EWSError.itemNotFound }
            let master: StoredItem
            switch storedItem(occ.master, context) {
            case .success(let m): master = m
            case .failure(let error): throw error
            }
            var item: StoredItem
            switch occurrence(of: master, at: occ.originalStart) {
            case .success(let o): item = o
            case .failure(let error): throw error
            }
            guard request.attribute("SendMeetingInvitationsOrCancellations") != nil else {
                throw EWSError("ErrorSendMeetingInvitationsOrCancellationsRequired", "The SendMeetingInvitationsOrCancellations attribute is required for calendar items.")
            }
            var changed = Set<String>()
            for update in change.child("Updates")?.children ?? [] {
                guard update.name == "SetItemField", let path = update.children.first?.attribute("FieldURI"), allowed.contains(path),
                      let value = update.children.dropFirst().first?.children.first,
                      value.name == String(path.split(separator: ":").last ?? "") else {
                    throw EWSError.notImplemented("this change to a single occurrence")
                }
                try reader.apply(value, to: &item)
                changed.insert(path)
            }
            try checkChangeKey(key, of: master, resolution: request.attribute("ConflictResolution") ?? "AutoResolve", changing: changed)
            guard let c = item.calendar else { throw EWSError.itemNotFound }
            guard c.end >= c.start else { throw EWSError("ErrorCalendarEndDateIsEarlierThanStartDate", "EndDate is earlier than StartDate") }
            let override = OccurrenceOverride(start: c.start, end: c.end, subject: item.subject, location: c.location,
                                              freeBusy: c.freeBusy, body: item.body, bodyType: item.bodyType)
            let newKey = tenant.ids.changeKey()
            tenant.withStore(context.mailboxUser.primarySmtpAddress) { store in
                store.items[occ.master]?.calendar?.modified[occ.originalStart] = override
                if var m = store.items[occ.master] {
                    // Every older key now also misses these changes (AutoResolve's conflict check).
                    m.history = Array((m.history + [ChangeRecord(changeKey: m.changeKey, changedFields: [])]).suffix(20))
                    for i in m.history.indices { m.history[i].changedFields.formUnion(changed) }
                    store.items[occ.master] = m
                }
                store.items[occ.master]?.changeKey = newKey
                store.items[occ.master]?.lastModified = Date()
            }
            return SOAPWriter.success("UpdateItem", payload: "<m:Items><t:CalendarItem><t:ItemId Id=\"\(id)\" ChangeKey=\"\(newKey)\"/></t:CalendarItem></m:Items><m:ConflictResults><t:Count>0</t:Count></m:ConflictResults>")
        } catch {
            return SOAPWriter.error("UpdateItem", error, emptyPayload: "<m:Items/>")
        }
    }
}
