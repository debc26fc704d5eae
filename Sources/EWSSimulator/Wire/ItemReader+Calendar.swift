import EWSProtocol
import Foundation

/// The calendar properties of `t:CalendarItem` on CreateItem and UpdateItem: kept, refused as
/// read-only (`ErrorInvalidPropertySet`) or refused as not implemented; never dropped.
extension ItemReader {
    /// Calendar properties Exchange computes.
    static let calendarReadOnly: Set<String> = [
        "RecurrenceId", "DateTimeStamp", "OriginalStart", "IsMeeting", "IsCancelled", "IsRecurring", "MeetingRequestWasSent",
        "CalendarItemType", "MyResponseType", "Organizer", "ConflictingMeetingCount", "AdjacentMeetingCount",
        "ConflictingMeetings", "AdjacentMeetings", "Duration", "TimeZone", "AppointmentReplyTime",
        "AppointmentSequenceNumber", "AppointmentState", "FirstOccurrence", "LastOccurrence", "ModifiedOccurrences",
        "DeletedOccurrences", "IsOnlineMeeting", "IsOrganizer", "StartWallClock", "EndWallClock",
    ]

    static let monthNames = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                             "October", "November", "December"]

    static func invalidValue(_ uri: String) -> EWSError {
        EWSError("ErrorInvalidValueForProperty", "The value is invalid for property \(uri).", messageXml: "<t:FieldURI FieldURI=\"\(uri)\"/>")
    }

    /// A new calendar item with Exchange's defaults (start at the next half hour, 30 minutes).
    func newCalendarItem() -> StoredItem {
        let half = (now.timeIntervalSince1970 / 1800).rounded(.up) * 1800
        let start = Date(timeIntervalSince1970: half)
        var item = StoredItem(id: "", changeKey: "", folderID: "", kind: "CalendarItem", itemClass: "IPM.Appointment", subject: "",
                              body: "", bodyType: "Text", attachments: [], from: nil, toRecipients: [], ccRecipients: [],
                              isRead: true, isDraft: false, importance: "Normal", sensitivity: "Normal", created: now, received: now)
        item.calendar = CalendarData(uid: "", start: start, end: start.addingTimeInterval(1800))
        item.simple["ReminderIsSet"] = .boolean(true)
        item.simple["ReminderMinutesBeforeStart"] = .integer(15)
        return item
    }

    /// Applies a calendar property; false when `child` is not one (an item property).
    func applyCalendar(_ child: XMLElement, to item: inout StoredItem) throws(EWSError) -> Bool {
        guard var cal = item.calendar else { return false }
        defer { item.calendar = cal }
        let uri = "calendar:\(child.name)"
        func date() throws(EWSError) -> Date {
            guard let d = XSDateTime.parse(child.text) else { throw Self.invalidValue(uri) }
            return d
        }
        func bool() throws(EWSError) -> Bool {
            guard let b = XSBoolean.parse(child.text.trimmingCharacters(in: .whitespaces)) else { throw Self.invalidValue(uri) }
            return b
        }
        switch child.name {
        case "UID": cal.uid = child.text
        case "Start": cal.start = try date()
        case "End": cal.end = try date()
        case "IsAllDayEvent": cal.isAllDay = try bool()
        case "LegacyFreeBusyStatus":
            guard ["Free", "Tentative", "Busy", "OOF", "WorkingElsewhere", "NoData"].contains(child.text) else { throw Self.invalidValue(uri) }
            cal.freeBusy = child.text
        case "Location": cal.location = child.text
        case "When": cal.when = child.text
        case "IsResponseRequested": cal.isResponseRequested = try bool()
        case "RequiredAttendees": cal.required = try Self.attendees(child)
        case "OptionalAttendees": cal.optional = try Self.attendees(child)
        case "Resources": cal.resources = try Self.attendees(child)
        case "Recurrence": cal.recurrence = try Self.recurrence(child)
        case "StartTimeZone", "EndTimeZone", "StartTimeZoneId", "EndTimeZoneId":
            let id = child.name.hasSuffix("Id") ? child.text : (child.attribute("Id") ?? "")
            guard !id.isEmpty else { throw EWSError.notImplemented("time zone definitions without an Id") }
            guard let zone = WindowsTimeZone.named(id) else {
                throw EWSError("ErrorTimeZone", "The time zone \(id) is not known to the server.")
            }
            if child.name.hasPrefix("Start") { cal.startZone = zone } else { cal.endZone = zone }
        case "ConferenceType":
            guard let n = Int(child.text.trimmingCharacters(in: .whitespaces)), (0...2).contains(n) else { throw Self.invalidValue(uri) }
            cal.conferenceType = n
        case "AllowNewTimeProposal": cal.allowNewTimeProposal = try bool()
        case "MeetingWorkspaceUrl": cal.meetingWorkspaceUrl = child.text
        case "NetShowUrl": cal.netShowUrl = child.text
        case _ where Self.calendarReadOnly.contains(child.name):
            throw EWSError("ErrorInvalidPropertySet", "Set action is invalid for property.", messageXml: "<t:FieldURI FieldURI=\"\(uri)\"/>")
        case "MeetingTimeZone", "EnhancedLocation", "InboxReminders", "OnlineMeetingSettings", "IntendedFreeBusyStatus",
             "JoinOnlineMeetingUrl", "CalendarActivityData", "DoNotForwardMeeting":
            throw EWSError.notImplemented("the calendar property \(child.name)")
        default:
            return false
        }
        return true
    }

    /// Checks a calendar item after all its properties are set: the end not before the start,
    /// a recurring master moved to its first occurrence, a UID.
    func finishCalendar(_ item: inout StoredItem) throws(EWSError) {
        guard var cal = item.calendar else { return }
        guard cal.end >= cal.start else {
            throw EWSError("ErrorCalendarEndDateIsEarlierThanStartDate", "EndDate is earlier than StartDate")
        }
        if cal.uid.isEmpty { cal.uid = CalendarData.newUID() }
        if let recurrence = cal.recurrence {
            let duration = cal.end.timeIntervalSince(cal.start)
            guard duration <= 5 * 365 * 86400 else {
                throw EWSError("ErrorCalendarDurationIsTooLong", "Calendar item duration is too long.")
            }
            // The pattern's dates at the item's time of day; the master takes the first one.
            let probe = recurrence.starts(timeOfDay: cal.start, zone: cal.startZone.timeZone,
                                          until: Calendar(identifier: .gregorian).date(byAdding: .year, value: 5, to: cal.start))
            guard let first = probe.first else {
                throw EWSError("ErrorRecurrenceHasNoOccurrence", "The recurrence pattern has no occurrences in the range given.")
            }
            cal.start = first
            cal.end = first.addingTimeInterval(duration)
        }
        item.calendar = cal
    }

    static func attendees(_ element: XMLElement) throws(EWSError) -> [StoredAttendee] {
        var result: [StoredAttendee] = []
        for a in element.children("Attendee") {
            guard let m = a.child("Mailbox"), let address = address(m) else { throw invalidRecipient }
            result.append(StoredAttendee(address: address, response: a.child("ResponseType")?.text ?? "Unknown"))
        }
        return result
    }

    static func weekday(_ name: String) -> [Int]? {
        switch name {
        case "Day": return Array(1...7)
        case "Weekday": return Array(2...6)
        case "WeekendDay": return [1, 7]
        default: return WindowsTimeZone.weekdayNames.firstIndex(of: name).map { [$0 + 1] }
        }
    }

    static func localDate(_ text: String) -> DateComponents? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let parts = t.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3, (1...12).contains(parts[1]), (1...31).contains(parts[2]) else { return nil }
        return DateComponents(year: parts[0], month: parts[1], day: parts[2])
    }

    /// `t:RecurrenceType`: the six patterns (daily, weekly, absolute and relative monthly and
    /// yearly) with any of the three ranges.
    static func recurrence(_ element: XMLElement) throws(EWSError) -> Recurrence {
        let invalid = EWSError("ErrorCalendarInvalidRecurrence", "The recurrence pattern is invalid.")
        guard element.children.count == 2, let p = element.children.first, let r = element.children.last else { throw invalid }
        func int(_ name: String) throws(EWSError) -> Int {
            guard let n = p.child(name).flatMap({ Int($0.text.trimmingCharacters(in: .whitespaces)) }) else { throw invalid }
            return n
        }
        let pattern: Recurrence.Pattern
        switch p.name {
        case "DailyRecurrence":
            let interval = try int("Interval")
            guard interval >= 1, interval <= 999 else { throw invalid }
            pattern = .daily(interval: interval)
        case "WeeklyRecurrence":
            let interval = try int("Interval")
            var days: [Int] = []
            for name in (p.child("DaysOfWeek")?.text ?? "").split(separator: " ") {
                guard let d = weekday(String(name)) else { throw invalid }
                days += d
            }
            let first = p.child("FirstDayOfWeek").map { weekday($0.text)?.first ?? 0 } ?? 1
            guard interval >= 1, interval <= 99, !days.isEmpty, first >= 1 else {
                throw EWSError("ErrorCalendarInvalidDayForWeeklyRecurrence", "Invalid day for weekly recurrence.")
            }
            pattern = .weekly(interval: interval, days: Array(Set(days)).sorted(), firstDayOfWeek: first)
        case "AbsoluteMonthlyRecurrence":
            let interval = try int("Interval"), day = try int("DayOfMonth")
            guard interval >= 1, interval <= 99, (1...31).contains(day) else { throw invalid }
            pattern = .absoluteMonthly(interval: interval, day: day)
        case "AbsoluteYearlyRecurrence":
            let day = try int("DayOfMonth")
            guard let month = monthNames.firstIndex(of: p.child("Month")?.text ?? ""), (1...31).contains(day) else { throw invalid }
            pattern = .absoluteYearly(month: month + 1, day: day)
        case "RelativeMonthlyRecurrence":
            let interval = try int("Interval")
            guard interval >= 1, interval <= 99, let (days, index) = relative(p) else { throw invalid }
            pattern = .relativeMonthly(interval: interval, days: days, index: index)
        case "RelativeYearlyRecurrence":
            guard let (days, index) = relative(p), let month = monthNames.firstIndex(of: p.child("Month")?.text ?? "") else { throw invalid }
            pattern = .relativeYearly(month: month + 1, days: days, index: index)
        default:
            throw invalid
        }
        guard let start = r.child("StartDate").flatMap({ localDate($0.text) }) else { throw invalid }
        let end: Recurrence.End
        switch r.name {
        case "NoEndRecurrence": end = .never
        case "EndDateRecurrence":
            guard let e = r.child("EndDate").flatMap({ localDate($0.text) }),
                  (e.year ?? 0, e.month ?? 0, e.day ?? 0) >= (start.year ?? 0, start.month ?? 0, start.day ?? 0) else { throw invalid }
            end = .date(e)
        case "NumberedRecurrence":
            guard let n = r.child("NumberOfOccurrences").flatMap({ Int($0.text.trimmingCharacters(in: .whitespaces)) }), n >= 1, n <= 999 else { throw invalid }
            end = .count(n)
        default: throw invalid
        }
        return Recurrence(pattern: pattern, startDate: start, end: end)
    }

    /// The DaysOfWeek (one value, which may stand for several weekdays) and DayOfWeekIndex of a
    /// relative pattern.
    private static func relative(_ p: XMLElement) -> (days: [Int], index: Int)? {
        guard let name = p.child("DaysOfWeek")?.text.trimmingCharacters(in: .whitespaces), let days = weekday(name),
              let index = dayOfWeekIndexNames.firstIndex(of: p.child("DayOfWeekIndex")?.text.trimmingCharacters(in: .whitespaces) ?? "")
        else { return nil }
        return (days, index + 1)
    }

    static let dayOfWeekIndexNames = ["First", "Second", "Third", "Fourth", "Last"]

    /// The DaysOfWeek value of a relative pattern's weekdays.
    private static func dayOfWeekName(_ days: [Int]) -> String {
        switch days {
        case Array(1...7): return "Day"
        case Array(2...6): return "Weekday"
        case [1, 7]: return "WeekendDay"
        default: return WindowsTimeZone.weekdayNames[(days.first ?? 1) - 1]
        }
    }

    /// `<t:Recurrence>` as Exchange writes it back.
    static func recurrenceXML(_ r: Recurrence) -> String {
        func date(_ d: DateComponents) -> String { String(format: "%04d-%02d-%02d", d.year ?? 0, d.month ?? 0, d.day ?? 0) }
        var x = "<t:Recurrence>"
        switch r.pattern {
        case .daily(let interval):
            x += "<t:DailyRecurrence><t:Interval>\(interval)</t:Interval></t:DailyRecurrence>"
        case .weekly(let interval, let days, let first):
            let names = days.map { WindowsTimeZone.weekdayNames[$0 - 1] }.joined(separator: " ")
            x += "<t:WeeklyRecurrence><t:Interval>\(interval)</t:Interval><t:DaysOfWeek>\(names)</t:DaysOfWeek><t:FirstDayOfWeek>\(WindowsTimeZone.weekdayNames[first - 1])</t:FirstDayOfWeek></t:WeeklyRecurrence>"
        case .absoluteMonthly(let interval, let day):
            x += "<t:AbsoluteMonthlyRecurrence><t:Interval>\(interval)</t:Interval><t:DayOfMonth>\(day)</t:DayOfMonth></t:AbsoluteMonthlyRecurrence>"
        case .absoluteYearly(let month, let day):
            x += "<t:AbsoluteYearlyRecurrence><t:DayOfMonth>\(day)</t:DayOfMonth><t:Month>\(monthNames[month - 1])</t:Month></t:AbsoluteYearlyRecurrence>"
        case .relativeMonthly(let interval, let days, let index):
            x += "<t:RelativeMonthlyRecurrence><t:Interval>\(interval)</t:Interval><t:DaysOfWeek>\(dayOfWeekName(days))</t:DaysOfWeek><t:DayOfWeekIndex>\(dayOfWeekIndexNames[index - 1])</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>"
        case .relativeYearly(let month, let days, let index):
            x += "<t:RelativeYearlyRecurrence><t:DaysOfWeek>\(dayOfWeekName(days))</t:DaysOfWeek><t:DayOfWeekIndex>\(dayOfWeekIndexNames[index - 1])</t:DayOfWeekIndex><t:Month>\(monthNames[month - 1])</t:Month></t:RelativeYearlyRecurrence>"
        }
        switch r.end {
        case .never: x += "<t:NoEndRecurrence><t:StartDate>\(date(r.startDate))</t:StartDate></t:NoEndRecurrence>"
        case .date(let e): x += "<t:EndDateRecurrence><t:StartDate>\(date(r.startDate))</t:StartDate><t:EndDate>\(date(e))</t:EndDate></t:EndDateRecurrence>"
        case .count(let n): x += "<t:NumberedRecurrence><t:StartDate>\(date(r.startDate))</t:StartDate><t:NumberOfOccurrences>\(n)</t:NumberOfOccurrences></t:NumberedRecurrence>"
        }
        return x + "</t:Recurrence>"
    }
}
