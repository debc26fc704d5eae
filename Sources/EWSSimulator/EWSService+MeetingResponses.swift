import EWSProtocol
import Foundation

extension EWSService {
    /// The response objects of a meeting (`CreateItem` item element → attendee's answer, the
    /// meeting response's item class, and the refusal when the organizer tries it).
    static let meetingResponses: [String: (answer: String, itemClass: String, organizerError: String)] = [
        "AcceptItem": ("Accept", "IPM.Schedule.Meeting.Resp.Pos", "ErrorCalendarIsOrganizerForAccept"),
        "TentativelyAcceptItem": ("Tentative", "IPM.Schedule.Meeting.Resp.Tent", "ErrorCalendarIsOrganizerForTentative"),
        "DeclineItem": ("Decline", "IPM.Schedule.Meeting.Resp.Neg", "ErrorCalendarIsOrganizerForDecline"),
    ]

    /// The children of a response object the simulator honours (all but ReferenceItemId are
    /// properties of the response message); any other is refused.
    static let meetingResponseChildren: Set<String> = ["ReferenceItemId", "Body", "Sensitivity", "IsReadReceiptRequested",
                                                       "IsDeliveryReceiptRequested"]

    /// CreateItem with AcceptItem / TentativelyAcceptItem / DeclineItem: the attendee answers a
    /// meeting request (or the meeting in their calendar). Their calendar item takes the answer
    /// (`MyResponseType`; accepted: the meeting's free/busy status, tentative: Tentative; declined:
    /// moved to Deleted Items), the meeting request goes to Deleted Items (what Exchange does once
    /// it is answered), and the meeting response (`IPM.Schedule.Meeting.Resp.Pos/Tent/Neg`) is
    /// delivered to the organizer's Inbox (SendOnly, SendAndSaveCopy, which also keeps a copy in
    /// Sent Items) or saved in Drafts (SaveOnly, nothing sent). Delivery sets the attendee's
    /// `ResponseType` on the organizer's meeting. The answer has no item ids (MSDOCS
    /// `createitem-operation-meeting-request.md`: `<m:Items/>`).
    func respondToMeeting(_ element: XMLElement, disposition: String?, _ context: RequestContext) -> String {
        let empty = "<m:Items/>"
        do throws(EWSError) {
            guard let kind = Self.meetingResponses[element.name] else { throw EWSError.notImplemented("creating \(element.name) items") }
            guard context.mailboxUser.hasMailbox else { throw .missingEmailAddress }
            guard let disposition else {
                throw EWSError("ErrorMessageDispositionRequired", "MessageDisposition is required for this operation.")
            }
            guard ["SaveOnly", "SendOnly", "SendAndSaveCopy"].contains(disposition) else { throw EWSError("ErrorInvalidRequest", "The request is invalid.") }
            if let other = element.children.first(where: { !Self.meetingResponseChildren.contains($0.name) }) {
                throw EWSError.notImplemented("\(element.name)/\(other.name)")
            }
            guard let reference = element.child("ReferenceItemId"), let referenceID = reference.attribute("Id") else {
                throw EWSError("ErrorMissingInformationReferenceItemId", "The ReferenceItemId is missing.")
            }
            guard IDFactory.isWellFormed(referenceID) else { throw EWSError.idMalformed }
            let attendee = context.mailboxUser
            let owner = attendee.primarySmtpAddress
            guard let referenced = tenant.withStore(owner, { $0.items[referenceID] }) ?? nil else { throw EWSError.itemNotFound }
            guard referenced.kind == "MeetingRequest" || referenced.kind == "CalendarItem", let meeting = referenced.calendar else {
                throw EWSError("ErrorInvalidReferenceItem", "The reference item does not support the requested operation.")
            }
            // The meeting request is a copy of the organizer's meeting: who organizes it decides.
            let organizes = referenced.kind == "CalendarItem" ? meeting.isOrganizer
                : meeting.organizer.map { Set(([owner] + attendee.proxyAddresses).map { $0.lowercased() }).contains($0.email.lowercased()) } ?? false
            guard !organizes else {
                throw EWSError(kind.organizerError, "The user is the organizer of the meeting and cannot respond to it.")
            }
            guard let organizer = meeting.organizer else {
                throw EWSError("ErrorInvalidReferenceItem", "The reference item does not support the requested operation.")
            }
            let reader = ItemReader(ids: tenant.ids, now: Date())
            let answerSubject = "\(kind.answer == "Tentative" ? "Tentative" : kind.answer == "Accept" ? "Accepted" : "Declined"): \(referenced.subject)"
            // The response message's own properties, read before anything changes.
            var properties = referenced
            properties.kind = "Message"
            properties.calendar = nil
            properties.contact = nil
            properties.body = ""
            properties.bodyType = "Text"
            properties.sensitivity = "Normal"
            properties.simple = [:]
            for child in element.children where child.name != "ReferenceItemId" {
                try reader.apply(child, to: &properties)
            }
            // The meeting as the organizer's calendar has it (its intended free/busy status).
            let intended = tenant.withStore(organizer.email) { store in
                store.items.values.first { $0.kind == "CalendarItem" && $0.calendar?.uid == meeting.uid && $0.calendar?.isOrganizer == true }?.calendar?.freeBusy
            } ?? nil
            var calendarItemID: String?
            tenant.withStore(owner) { store in
                let deleted = store.folder(distinguished: "deleteditems")
                for item in store.items.values where item.calendar?.uid == meeting.uid {
                    if item.kind == "CalendarItem", item.calendar?.isOrganizer == false {
                        var updated = item
                        updated.calendar?.myResponse = kind.answer
                        updated.calendar?.freeBusy = kind.answer == "Accept" ? (intended ?? "Busy") : "Tentative"
                        updated.changeKey = tenant.ids.changeKey()
                        updated.lastModified = Date()
                        updated.simple["AppointmentReplyTime"] = .date(updated.lastModified ?? Date())
                        if kind.answer == "Decline", let deleted { updated.folderID = deleted.id }
                        store.items[item.id] = updated
                        calendarItemID = item.id
                    } else if item.kind == "MeetingRequest", let deleted {
                        // Answered requests leave the Inbox.
                        store.items[item.id]?.folderID = deleted.id
                        store.items[item.id]?.changeKey = tenant.ids.changeKey()
                    }
                }
            }
            var response = referenced
            response.kind = "MeetingResponse"
            response.itemClass = kind.itemClass
            response.subject = answerSubject
            response.body = properties.body
            response.bodyType = properties.bodyType
            response.sensitivity = properties.sensitivity
            response.from = StoredAddress(name: attendee.displayName, email: owner)
            response.sender = response.from
            response.toRecipients = [organizer]
            response.ccRecipients = []
            response.bccRecipients = []
            response.attachments = []
            response.extended = [:]
            response.mime = nil
            response.simple = properties.simple.merging(["ResponseType": .string(kind.answer)]) { $1 }
            response.calendar?.isOrganizer = false
            response.calendar?.required = []
            response.calendar?.optional = []
            response.calendar?.resources = []
            response.isRead = true
            response.created = Date()
            response.received = Date()
            if disposition == "SaveOnly" {
                tenant.withStore(owner) { store in
                    guard let drafts = store.folder(distinguished: "drafts") else { return }
                    var draft = response
                    draft.id = tenant.ids.itemID()
                    draft.changeKey = tenant.ids.changeKey()
                    draft.folderID = drafts.id
                    draft.isDraft = true
                    draft.delivered = false
                    if let calendarItemID { draft.simple["AssociatedCalendarItemId"] = .string(calendarItemID) }
                    store.items[draft.id] = draft
                }
                return SOAPWriter.success("CreateItem", payload: empty)
            }
            deliverMeetingResponse(response, answer: kind.answer, from: attendee, organizer: organizer.email, uid: meeting.uid)
            if disposition == "SendAndSaveCopy" {
                tenant.withStore(owner) { store in
                    guard let sent = store.folder(distinguished: "sentitems") else { return }
                    var copy = response
                    copy.id = tenant.ids.itemID()
                    copy.changeKey = tenant.ids.changeKey()
                    copy.folderID = sent.id
                    copy.isDraft = false
                    copy.delivered = false
                    store.items[copy.id] = copy
                }
            }
            return SOAPWriter.success("CreateItem", payload: empty)
        } catch {
            return SOAPWriter.error("CreateItem", error, emptyPayload: empty)
        }
    }

    /// Puts a meeting response into the organizer's Inbox (when the organizer has a mailbox here)
    /// and records the attendee's answer on the organizer's meeting (what the Calendar Attendant
    /// does when it processes the response).
    func deliverMeetingResponse(_ response: StoredItem, answer: String, from attendee: SimulatedUser, organizer: String, uid: String) {
        guard let user = tenant.user(anySmtp: organizer), user.hasMailbox else { return }
        let addresses = Set(([attendee.primarySmtpAddress] + attendee.proxyAddresses).map { $0.lowercased() })
        tenant.withStore(user.primarySmtpAddress) { store in
            guard let inbox = store.folder(distinguished: "inbox") else { return }
            var meetingID: String?
            for item in store.items.values where item.kind == "CalendarItem" && item.calendar?.uid == uid && item.calendar?.isOrganizer == true {
                var updated = item
                func mark(_ list: inout [StoredAttendee]) {
                    for i in list.indices where addresses.contains(list[i].address.email.lowercased()) { list[i].response = answer }
                }
                if var c = updated.calendar {
                    mark(&c.required)
                    mark(&c.optional)
                    mark(&c.resources)
                    updated.calendar = c
                }
                updated.changeKey = tenant.ids.changeKey()
                updated.lastModified = Date()
                store.items[item.id] = updated
                meetingID = item.id
            }
            var message = response
            message.id = tenant.ids.itemID()
            message.changeKey = tenant.ids.changeKey()
            message.folderID = inbox.id
            message.isRead = false
            message.isDraft = false
            message.delivered = true
            message.received = Date()
            if let meetingID { message.simple["AssociatedCalendarItemId"] = .string(meetingID) }
            store.items[message.id] = message
        }
    }
}
