import EWSProtocol
import Foundation

extension EWSService {
    static let freeBusyCodes: [String: Character] = ["Free": "0", "Tentative": "1", "Busy": "2", "OOF": "3", "WorkingElsewhere": "4", "NoData": "5"]

    /// GetUserAvailability (free/busy): per mailbox, the calendar's events in the window
    /// (occurrences expanded), the merged free/busy string and the working hours, with times in
    /// the request's time zone. Details (subject, location) only for the caller's own mailbox,
    /// as Exchange's default AvailabilityOnly permission gives. Suggestions are refused.
    func getUserAvailability(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let zone = try request.child("TimeZone").map { element throws(EWSError) in try SerializableTimeZone(element) } ?? .utc
        var suggestions = ""
        if request.child("SuggestionsViewOptions") != nil {
            suggestions = "<m:SuggestionsResponse>" + SOAPWriter.error("", .notImplemented("meeting suggestions (SuggestionsViewOptions)")) + "</m:SuggestionsResponse>"
        }
        guard let options = request.child("FreeBusyViewOptions") else {
            guard !suggestions.isEmpty else { throw EWSError("ErrorInvalidRequest", "Either FreeBusyViewOptions or SuggestionsViewOptions must be given.") }
            return "<m:GetUserAvailabilityResponse xmlns:m=\"\(SOAPWriter.messagesNS)\" xmlns:t=\"\(SOAPWriter.typesNS)\">\(suggestions)</m:GetUserAvailabilityResponse>"
        }
        guard let start = options.path("TimeWindow", "StartTime").flatMap({ zone.instant($0.text) }),
              let end = options.path("TimeWindow", "EndTime").flatMap({ zone.instant($0.text) }), end > start else {
            throw EWSError("ErrorInvalidTimeInterval", "The time interval is invalid.")
        }
        guard end.timeIntervalSince(start) <= 42 * 86400 else {
            throw EWSError("ErrorTimeIntervalTooBig", "The time window of the request is larger than 42 days.")
        }
        let interval = options.child("MergedFreeBusyIntervalInMinutes").flatMap { Int($0.text.trimmingCharacters(in: .whitespaces)) } ?? 30
        guard (5...1440).contains(interval) else {
            throw EWSError("ErrorInvalidMergedFreeBusyInterval", "The merged free/busy interval must be between 5 and 1440 minutes.")
        }
        let requested = Set((options.child("RequestedView")?.text ?? "Detailed").split(separator: " ").map(String.init))
        let known: Set<String> = ["None", "MergedOnly", "FreeBusy", "FreeBusyMerged", "Detailed", "DetailedMerged"]
        guard requested.count == 1, let view = requested.first, known.contains(view) else {
            throw EWSError("ErrorInvalidFreeBusyViewType", "The requested free/busy view type is invalid.")
        }
        var responses: [String] = []
        for data in request.child("MailboxDataArray")?.children("MailboxData") ?? [] {
            let address = data.path("Email", "Address")?.text.trimmingCharacters(in: .whitespaces) ?? ""
            guard let user = tenant.user(anySmtp: address), user.hasMailbox else {
                let error = EWSError("ErrorMailRecipientNotFound", "Unable to resolve e-mail address \(address) to an Active Directory object.")
                responses.append("<m:FreeBusyResponse>" + SOAPWriter.error("", error) + "</m:FreeBusyResponse>")
                continue
            }
            let events = tenant.withStore(user.primarySmtpAddress) { store -> [StoredItem] in
                guard let calendar = store.folder(distinguished: "calendar") else { return [] }
                return store.items.values.filter { $0.folderID == calendar.id }
            }.map { calendarView($0, start: start, end: end) } ?? []
            let details = user.primarySmtpAddress == context.mailboxUser.primarySmtpAddress
            let merged = view.hasSuffix("Merged") || view == "MergedOnly"
            let returned = view.hasPrefix("Detailed") && !details ? view.replacingOccurrences(of: "Detailed", with: "FreeBusy") : view
            var x = "<m:FreeBusyView><t:FreeBusyViewType>\(returned)</t:FreeBusyViewType>"
            if merged {
                var slots: [Character] = []
                var slot = start
                while slot < end {
                    let next = slot.addingTimeInterval(Double(interval * 60))
                    let codes = events.filter { ($0.calendar?.start ?? end) < next && ($0.calendar?.end ?? start) > slot }
                        .compactMap { Self.freeBusyCodes[$0.calendar?.freeBusy ?? "Free"] }
                    slots.append(codes.filter { $0 != "5" }.max() ?? "0")
                    slot = next
                }
                x += "<t:MergedFreeBusy>\(String(slots))</t:MergedFreeBusy>"
            }
            if view != "MergedOnly" && view != "None" {
                x += "<t:CalendarEventArray>" + events.compactMap { item -> String? in
                    guard let c = item.calendar else { return nil }
                    var e = "<t:CalendarEvent><t:StartTime>\(zone.local(c.start))</t:StartTime><t:EndTime>\(zone.local(c.end))</t:EndTime><t:BusyType>\(c.freeBusy)</t:BusyType>"
                    if returned.hasPrefix("Detailed") {
                        let reminder = item.simple["ReminderIsSet"].map { $0.text == "true" } ?? false
                        e += "<t:CalendarEventDetails><t:ID>\(item.id)</t:ID><t:Subject>\(item.subject.xmlEscaped)</t:Subject>"
                            + (c.location.map { "<t:Location>\($0.xmlEscaped)</t:Location>" } ?? "")
                            + "<t:IsMeeting>\(c.isMeeting)</t:IsMeeting><t:IsRecurring>\(c.originalStart != nil)</t:IsRecurring><t:IsException>false</t:IsException>"
                            + "<t:IsReminderSet>\(reminder)</t:IsReminderSet><t:IsPrivate>\(item.sensitivity == "Private")</t:IsPrivate></t:CalendarEventDetails>"
                    }
                    return e + "</t:CalendarEvent>"
                }.joined() + "</t:CalendarEventArray>"
            }
            if view != "None" {
                let userZone = tenant.withStore(user.primarySmtpAddress) { $0.timeZone } ?? .utc
                x += "<t:WorkingHours><t:TimeZone>\(userZone.serializableXML())</t:TimeZone><t:WorkingPeriodArray><t:WorkingPeriod>"
                    + "<t:DayOfWeek>Monday Tuesday Wednesday Thursday Friday</t:DayOfWeek><t:StartTimeInMinutes>480</t:StartTimeInMinutes>"
                    + "<t:EndTimeInMinutes>1020</t:EndTimeInMinutes></t:WorkingPeriod></t:WorkingPeriodArray></t:WorkingHours>"
            }
            x += "</m:FreeBusyView>"
            responses.append("<m:FreeBusyResponse>" + SOAPWriter.success("", payload: "") + x + "</m:FreeBusyResponse>")
        }
        return "<m:GetUserAvailabilityResponse xmlns:m=\"\(SOAPWriter.messagesNS)\" xmlns:t=\"\(SOAPWriter.typesNS)\"><m:FreeBusyResponseArray>"
            + responses.joined() + "</m:FreeBusyResponseArray>\(suggestions)</m:GetUserAvailabilityResponse>"
    }
}
