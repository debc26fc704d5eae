import EWSProtocol
import Foundation

/// Calendar items, meeting requests and contacts: their fields in the order of
/// `t:CalendarItemType`, `t:MeetingRequestMessageType` and `t:ContactItemType`.
extension ItemSerializer {
    static let calendarFields: [(uri: String, findDefault: Bool, getDefault: Bool)] = [
        ("calendar:UID", false, true), ("calendar:RecurrenceId", false, true), ("calendar:DateTimeStamp", false, true),
        ("calendar:Start", true, true), ("calendar:End", true, true), ("calendar:OriginalStart", false, true),
        ("calendar:IsAllDayEvent", true, true), ("calendar:LegacyFreeBusyStatus", true, true), ("calendar:Location", true, true),
        ("calendar:When", false, true), ("calendar:IsMeeting", true, true), ("calendar:IsCancelled", true, true),
        ("calendar:IsRecurring", true, true), ("calendar:MeetingRequestWasSent", true, true),
        ("calendar:IsResponseRequested", false, true), ("calendar:CalendarItemType", true, true),
        ("calendar:MyResponseType", true, true), ("calendar:Organizer", true, true), ("calendar:RequiredAttendees", false, true),
        ("calendar:OptionalAttendees", false, true), ("calendar:Resources", false, true),
        ("calendar:ConflictingMeetingCount", false, true), ("calendar:AdjacentMeetingCount", false, true),
        ("calendar:ConflictingMeetings", false, false), ("calendar:AdjacentMeetings", false, false), ("calendar:Duration", true, true),
        ("calendar:TimeZone", false, true), ("calendar:AppointmentReplyTime", false, true), ("calendar:AppointmentSequenceNumber", false, true),
        ("calendar:AppointmentState", false, true), ("calendar:Recurrence", false, true), ("calendar:FirstOccurrence", false, true),
        ("calendar:LastOccurrence", false, true), ("calendar:ModifiedOccurrences", false, true), ("calendar:DeletedOccurrences", false, true),
        ("calendar:StartTimeZone", false, true), ("calendar:EndTimeZone", false, true), ("calendar:ConferenceType", false, true),
        ("calendar:AllowNewTimeProposal", false, true), ("calendar:IsOnlineMeeting", false, true),
        ("calendar:MeetingWorkspaceUrl", false, true), ("calendar:NetShowUrl", false, true),
        ("calendar:StartTimeZoneId", false, false), ("calendar:EndTimeZoneId", false, false), ("calendar:IsOrganizer", false, false),
    ]

    static let meetingRequestFields: [(uri: String, findDefault: Bool, getDefault: Bool)] = [
        ("meeting:AssociatedCalendarItemId", false, true), ("meeting:IsDelegated", false, true), ("meeting:IsOutOfDate", false, true),
        ("meeting:HasBeenProcessed", false, true), ("meeting:ResponseType", false, true), ("calendar:UID", false, true),
        ("meetingRequest:MeetingRequestType", false, true), ("meetingRequest:IntendedFreeBusyStatus", false, true),
        ("calendar:Start", false, true), ("calendar:End", false, true), ("calendar:IsAllDayEvent", false, true),
        ("calendar:LegacyFreeBusyStatus", false, true), ("calendar:Location", false, true), ("calendar:CalendarItemType", false, true),
        ("calendar:Organizer", false, true), ("calendar:RequiredAttendees", false, true), ("calendar:OptionalAttendees", false, true),
        ("calendar:ConflictingMeetingCount", false, true), ("calendar:AdjacentMeetingCount", false, true),
        ("calendar:ConflictingMeetings", false, false), ("calendar:AdjacentMeetings", false, false),
    ]

    /// `t:MeetingResponseMessageType` (the organizer's copy of an attendee's answer).
    static let meetingResponseFields: [(uri: String, findDefault: Bool, getDefault: Bool)] = [
        ("meeting:AssociatedCalendarItemId", false, true), ("meeting:IsDelegated", false, true), ("meeting:IsOutOfDate", false, true),
        ("meeting:HasBeenProcessed", false, true), ("meeting:ResponseType", false, true), ("calendar:UID", false, true),
        ("calendar:Start", false, true), ("calendar:End", false, true), ("calendar:Location", false, true),
        ("calendar:CalendarItemType", false, true),
    ]

    /// The kept contact properties, with the ones Exchange computes for every contact in their
    /// places of `t:ContactItemType` (CompleteName after Nickname, ContactSource after Companies,
    /// HasPicture after WeddingAnniversary).
    static let contactFields: [(uri: String, findDefault: Bool, getDefault: Bool)] = ContactData.order.flatMap { field in
        let name = field.element.hasPrefix("@") ? String(field.element.dropFirst()) : field.element
        let find = ["FileAs", "DisplayName", "GivenName", "Surname", "CompanyName", "EmailAddresses", "PhoneNumbers", "JobTitle"].contains(name)
        let entry = (uri: "contacts:\(name)", findDefault: find, getDefault: true)
        switch name {
        case "Nickname": return [entry, ("contacts:CompleteName", false, true)]
        case "BusinessHomePage": return [entry, ("contacts:ContactSource", false, true)]
        case "WeddingAnniversary": return [entry, ("contacts:HasPicture", false, true)]
        default: return [entry]
        }
    }

    private static func attendees(_ name: String, _ list: [StoredAttendee]) -> String {
        list.isEmpty ? "" : "<t:\(name)>" + list.map { "<t:Attendee>\(mailbox($0.address))<t:ResponseType>\($0.response)</t:ResponseType></t:Attendee>" }.joined() + "</t:\(name)>"
    }

    private static func occurrenceInfo(_ name: String, master: StoredItem, start: Date, duration: TimeInterval) -> String {
        "<t:\(name)><t:ItemId Id=\"\(OccurrenceID.make(master: master.id, originalStart: start))\" ChangeKey=\"\(master.changeKey)\"/>"
            + "<t:Start>\(date(start))</t:Start><t:End>\(date(start.addingTimeInterval(duration)))</t:End><t:OriginalStart>\(date(start))</t:OriginalStart></t:\(name)>"
    }

    func renderCalendar(_ uri: String, _ item: StoredItem) -> String? {
        if uri == "meeting:AssociatedCalendarItemId" {
            guard case .string(let id)? = item.simple["AssociatedCalendarItemId"] else { return "" }
            return "<t:AssociatedCalendarItemId Id=\"\(id)\"/>"
        }
        switch uri {
        // Meeting messages are never delegated here, the simulator sends no updates that could make one
        // out of date, and its Calendar Attendant processes each on delivery (the attendee's tentative
        // copy, the organizer's attendee answer).
        case "meeting:IsDelegated", "meeting:IsOutOfDate": return "<t:\(uri.dropFirst("meeting:".count))>false</t:\(uri.dropFirst("meeting:".count))>"
        case "meeting:HasBeenProcessed": return "<t:HasBeenProcessed>true</t:HasBeenProcessed>"
        default: break
        }
        guard uri.hasPrefix("calendar:") || uri.hasPrefix("meeting:") || uri.hasPrefix("meetingRequest:") else { return nil }
        guard let c = item.calendar else { return "" }
        func element(_ name: String, _ value: String?) -> String {
            value.map { "<t:\(name)>\($0.xmlEscaped)</t:\(name)>" } ?? ""
        }
        let duration = c.end.timeIntervalSince(c.start)
        switch uri {
        // When the mailbox answered the meeting (set on the attendee's calendar item by its answer).
        case "calendar:AppointmentReplyTime":
            guard case .date(let replied)? = item.simple["AppointmentReplyTime"] else { return "" }
            return element("AppointmentReplyTime", Self.date(replied))
        // Other meetings of the mailbox's calendar that overlap the item's time, or end as it starts or
        // start as it ends (Free ones do not count, inferred), as Exchange computes them.
        case "calendar:ConflictingMeetingCount", "calendar:AdjacentMeetingCount", "calendar:ConflictingMeetings", "calendar:AdjacentMeetings":
            guard let around = meetingsAround?(item) else { return "" }
            let conflicting = around.filter { ($0.calendar?.start ?? .distantFuture) < c.end && ($0.calendar?.end ?? .distantPast) > c.start }
            let adjacent = around.filter { $0.calendar?.end == c.start || $0.calendar?.start == c.end }
            let name = String(uri.dropFirst("calendar:".count))
            switch name {
            case "ConflictingMeetingCount": return element(name, String(conflicting.count))
            case "AdjacentMeetingCount": return element(name, String(adjacent.count))
            default:
                let list = name == "ConflictingMeetings" ? conflicting : adjacent
                return list.isEmpty ? "" : "<t:\(name)>" + list.map { m in
                    "<t:CalendarItem><t:ItemId Id=\"\(m.id)\" ChangeKey=\"\(m.changeKey)\"/><t:Subject>\(m.subject.xmlEscaped)</t:Subject>"
                        + element("Start", m.calendar.map { Self.date($0.start) }) + element("End", m.calendar.map { Self.date($0.end) })
                        + element("LegacyFreeBusyStatus", m.calendar?.freeBusy) + element("Location", m.calendar?.location) + "</t:CalendarItem>"
                }.joined() + "</t:\(name)>"
            }
        case "calendar:UID": return element("UID", c.uid)
        case "calendar:RecurrenceId": return element("RecurrenceId", c.originalStart.map(Self.date))
        case "calendar:DateTimeStamp": return element("DateTimeStamp", Self.date(item.created))
        case "calendar:Start": return element("Start", Self.date(c.start))
        case "calendar:End": return element("End", Self.date(c.end))
        case "calendar:OriginalStart": return element("OriginalStart", c.originalStart.map(Self.date))
        case "calendar:IsAllDayEvent": return element("IsAllDayEvent", String(c.isAllDay))
        case "calendar:LegacyFreeBusyStatus": return element("LegacyFreeBusyStatus", c.freeBusy)
        case "calendar:Location": return element("Location", c.location)
        case "calendar:When": return element("When", c.when)
        case "calendar:IsMeeting": return element("IsMeeting", String(c.isMeeting))
        case "calendar:IsCancelled": return element("IsCancelled", "false")
        case "calendar:IsRecurring": return element("IsRecurring", String(c.originalStart != nil))
        case "calendar:MeetingRequestWasSent": return element("MeetingRequestWasSent", String(c.meetingRequestWasSent))
        case "calendar:IsResponseRequested": return element("IsResponseRequested", String(c.isResponseRequested ?? c.isMeeting))
        case "calendar:CalendarItemType": return element("CalendarItemType", c.itemType)
        case "calendar:MyResponseType": return element("MyResponseType", c.myResponse)
        case "calendar:Organizer": return c.organizer.map { "<t:Organizer>\(Self.mailbox($0))</t:Organizer>" } ?? ""
        case "calendar:RequiredAttendees": return Self.attendees("RequiredAttendees", c.required)
        case "calendar:OptionalAttendees": return Self.attendees("OptionalAttendees", c.optional)
        case "calendar:Resources": return Self.attendees("Resources", c.resources)
        case "calendar:Duration": return element("Duration", WindowsTimeZone.duration(Int(duration)))
        case "calendar:TimeZone": return element("TimeZone", c.startZone.name)
        case "calendar:AppointmentSequenceNumber": return element("AppointmentSequenceNumber", String(c.sequence))
        case "calendar:AppointmentState": return element("AppointmentState", c.isMeeting ? (c.isOrganizer ? "1" : "3") : "0")
        case "calendar:Recurrence": return c.recurrence.map(ItemReader.recurrenceXML) ?? ""
        case "calendar:FirstOccurrence", "calendar:LastOccurrence":
            guard c.recurrence != nil, c.originalStart == nil else { return "" }
            let first = uri == "calendar:FirstOccurrence"
            guard let start = first ? c.occurrenceStarts(until: c.start).first : c.allOccurrenceStarts?.last else { return "" }
            return Self.occurrenceInfo(first ? "FirstOccurrence" : "LastOccurrence", master: item, start: start, duration: duration)
        case "calendar:ModifiedOccurrences":
            guard !c.modified.isEmpty, c.originalStart == nil else { return "" }
            return "<t:ModifiedOccurrences>" + c.modified.sorted { $0.key < $1.key }.map { original, o in
                "<t:Occurrence><t:ItemId Id=\"\(OccurrenceID.make(master: item.id, originalStart: original))\" ChangeKey=\"\(item.changeKey)\"/>"
                    + "<t:Start>\(Self.date(o.start))</t:Start><t:End>\(Self.date(o.end))</t:End><t:OriginalStart>\(Self.date(original))</t:OriginalStart></t:Occurrence>"
            }.joined() + "</t:ModifiedOccurrences>"
        case "calendar:DeletedOccurrences":
            guard !c.deletedOccurrences.isEmpty, c.originalStart == nil else { return "" }
            return "<t:DeletedOccurrences>" + c.deletedOccurrences.sorted().map { "<t:DeletedOccurrence><t:Start>\(Self.date($0))</t:Start></t:DeletedOccurrence>" }.joined() + "</t:DeletedOccurrences>"
        case "calendar:StartTimeZone": return c.startZone.definitionXML(full: false, element: "StartTimeZone")
        case "calendar:EndTimeZone": return c.endZone.definitionXML(full: false, element: "EndTimeZone")
        case "calendar:ConferenceType": return element("ConferenceType", String(c.conferenceType ?? 0))
        case "calendar:AllowNewTimeProposal": return element("AllowNewTimeProposal", String(c.allowNewTimeProposal ?? true))
        case "calendar:IsOnlineMeeting": return element("IsOnlineMeeting", "false")
        case "calendar:MeetingWorkspaceUrl": return element("MeetingWorkspaceUrl", c.meetingWorkspaceUrl)
        case "calendar:NetShowUrl": return element("NetShowUrl", c.netShowUrl)
        case "calendar:StartTimeZoneId": return element("StartTimeZoneId", c.startZone.id)
        case "calendar:EndTimeZoneId": return element("EndTimeZoneId", c.endZone.id)
        case "calendar:IsOrganizer": return element("IsOrganizer", String(c.isOrganizer))
        case "meeting:ResponseType":
            // A meeting response carries the attendee's answer; a request has none yet.
            guard case .string(let response)? = item.simple["ResponseType"] else { return element("ResponseType", "NoResponseReceived") }
            return element("ResponseType", response)
        case "meetingRequest:MeetingRequestType": return element("MeetingRequestType", "NewMeetingRequest")
        case "meetingRequest:IntendedFreeBusyStatus": return element("IntendedFreeBusyStatus", c.freeBusy)
        default: return ""
        }
    }

    /// The entry keys an indexed field asks for when the whole dictionary is not asked for.
    func indexedKeys(_ uri: String) -> Set<String>? {
        switch uri {
        case "contacts:EmailAddresses": return shape.indexed["contacts:EmailAddress"]
        case "contacts:PhoneNumbers": return shape.indexed["contacts:PhoneNumber"]
        default: return nil
        }
    }

    func renderContact(_ uri: String, _ item: StoredItem, only keys: Set<String>? = nil) -> String? {
        guard uri.hasPrefix("contacts:") else { return nil }
        guard var c = item.contact else { return "" }
        if let keys {
            c.emails = c.emails.filter { keys.contains($0.key) }
            c.phones = c.phones.filter { keys.contains($0.key) }
        }
        let name = String(uri.dropFirst("contacts:".count))
        switch name {
        case "EmailAddresses":
            return c.emails.isEmpty ? "" : "<t:EmailAddresses>" + c.emails.map { e in
                "<t:Entry Key=\"\(e.key.xmlEscaped)\"" + (e.name.map { " Name=\"\($0.xmlEscaped)\"" } ?? "") + ">\(e.value.xmlEscaped)</t:Entry>"
            }.joined() + "</t:EmailAddresses>"
        case "PhoneNumbers":
            return c.phones.isEmpty ? "" : "<t:PhoneNumbers>" + c.phones.map { "<t:Entry Key=\"\($0.key.xmlEscaped)\">\($0.value.xmlEscaped)</t:Entry>" }.joined() + "</t:PhoneNumbers>"
        case "CompleteName":
            let parts = [("FirstName", c.strings["GivenName"]), ("MiddleName", c.strings["MiddleName"]), ("LastName", c.strings["Surname"]),
                         ("Initials", c.strings["Initials"]), ("FullName", c.displayName), ("Nickname", c.strings["Nickname"])]
            return "<t:CompleteName>" + parts.compactMap { part in
                part.1.flatMap { $0.isEmpty ? nil : "<t:\(part.0)>\($0.xmlEscaped)</t:\(part.0)>" }
            }.joined() + "</t:CompleteName>"
        // A contact of the mailbox's own folders (not a directory entry); contact photos are refused.
        case "ContactSource": return "<t:ContactSource>Store</t:ContactSource>"
        case "HasPicture": return "<t:HasPicture>false</t:HasPicture>"
        case "Birthday", "WeddingAnniversary":
            return c.dates[name].map { "<t:\(name)>\(Self.date($0))</t:\(name)>" } ?? ""
        default:
            return c.strings[name].map { "<t:\(name)>\($0.xmlEscaped)</t:\(name)>" } ?? ""
        }
    }
}
