@testable import EWSProtocol
@testable import EWSSimulator
import Foundation
import Testing

/// Calendar items: create, get, update, delete, and CalendarView with recurrence expansion (in
/// the item's time zone), with Exchange's refusals.
@Suite struct CalendarTests {
    static func create(_ s: SimulatorSession, _ inner: String, invitations: String? = "SendToNone", folder: String = "calendar",
                       mailbox: String = "alice@contoso.com") async throws -> SimulatorSession.Answer {
        let attr = invitations.map { " SendMeetingInvitations=\"\($0)\"" } ?? ""
        return try await s.send(s.envelope(#"<m:CreateItem\#(attr)><m:SavedItemFolderId><t:DistinguishedFolderId Id="\#(folder)"/></m:SavedItemFolderId><m:Items><t:CalendarItem>\#(inner)</t:CalendarItem></m:Items></m:CreateItem>"#,
                                           impersonate: mailbox))
    }

    static func id(_ a: SimulatorSession.Answer) -> String? {
        a.messages.first?.path("Items", "CalendarItem", "ItemId")?.attribute("Id")
    }

    static func view(_ s: SimulatorSession, _ start: String, _ end: String, max: Int? = nil, mailbox: String = "alice@contoso.com") async throws -> SimulatorSession.Answer {
        let m = max.map { " MaxEntriesReturned=\"\($0)\"" } ?? ""
        return try await s.send(s.envelope(#"<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:CalendarView\#(m) StartDate="\#(start)" EndDate="\#(end)"/><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>"#,
                                           impersonate: mailbox))
    }

    static func items(_ a: SimulatorSession.Answer) -> [XMLElement] {
        a.messages.first?.path("RootFolder", "Items")?.children ?? []
    }

    @Test func singleItemRoundTripsAndShowsInItsWindowOnly() async throws {
        try await SimulatorSession.with { s in
            let a = try await Self.create(s, "<t:Subject>Team call</t:Subject><t:Start>2026-03-02T09:00:00Z</t:Start><t:End>2026-03-02T10:00:00Z</t:End><t:Location>Room 1</t:Location>")
            let id = try #require(Self.id(a), "\(a.text)")
            let got = try await s.getItem(id, shape: "<t:BaseShape>AllProperties</t:BaseShape>")
            let inside = try await Self.view(s, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z")
            let outside = try await Self.view(s, "2026-03-02T10:00:00Z", "2026-03-03T00:00:00Z")
            let found = try await s.findItem(shape: "<t:BaseShape>Default</t:BaseShape>", folder: "calendar")
            let item = got.messages.first?.path("Items", "CalendarItem")
            #expect(item?.child("Start")?.text == "2026-03-02T09:00:00Z")
            #expect(item?.child("End")?.text == "2026-03-02T10:00:00Z")
            #expect(item?.child("Location")?.text == "Room 1")
            #expect(item?.child("CalendarItemType")?.text == "Single")
            #expect(item?.child("ItemClass")?.text == "IPM.Appointment")
            #expect(item?.path("Organizer", "Mailbox", "EmailAddress")?.text == "alice@contoso.com")
            #expect(Self.items(inside).count == 1)
            #expect(Self.items(outside).isEmpty, "an item ending at the window's start is outside it")
            #expect(SimulatorSession.subjects(found) == ["Team call"])
        }
    }

    @Test func dailyRecurrenceExpandsAndAnOccurrenceCanBeDeleted() async throws {
        try await SimulatorSession.with { s in
            let recurrence = "<t:Recurrence><t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence><t:NumberedRecurrence><t:StartDate>2026-03-02</t:StartDate><t:NumberOfOccurrences>5</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>"
            let a = try await Self.create(s, "<t:Subject>Standup</t:Subject><t:Start>2026-03-02T08:30:00Z</t:Start><t:End>2026-03-02T08:45:00Z</t:End>\(recurrence)")
            let master = try #require(Self.id(a), "\(a.text)")
            let view = try await Self.view(s, "2026-03-01T00:00:00Z", "2026-03-12T00:00:00Z")
            let occurrences = Self.items(view)
            let starts = occurrences.compactMap { $0.child("Start")?.text }
            let ids = occurrences.compactMap { $0.child("ItemId")?.attribute("Id") }
            let third = try #require(ids.dropFirst(2).first)
            let gotOccurrence = try await s.getItem(third, shape: "<t:BaseShape>AllProperties</t:BaseShape>")
            let deleted = try await s.send(s.envelope(#"<m:DeleteItem DeleteType="HardDelete" SendMeetingCancellations="SendToNone"><m:ItemIds><t:ItemId Id="\#(third)"/></m:ItemIds></m:DeleteItem>"#, impersonate: "alice@contoso.com"))
            let after = try await Self.view(s, "2026-03-01T00:00:00Z", "2026-03-12T00:00:00Z")
            let masterAfter = try await s.getItem(master, shape: "<t:BaseShape>AllProperties</t:BaseShape>")
            let byIndex = try await s.send(s.envelope(#"<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds><t:OccurrenceItemId RecurringMasterId="\#(master)" InstanceIndex="3"/><t:OccurrenceItemId RecurringMasterId="\#(master)" InstanceIndex="9"/></m:ItemIds></m:GetItem>"#, impersonate: "alice@contoso.com"))
            #expect(starts == ["2026-03-02T08:30:00Z", "2026-03-03T08:30:00Z", "2026-03-04T08:30:00Z", "2026-03-05T08:30:00Z", "2026-03-06T08:30:00Z"])
            #expect(Set(ids).count == 5 && !ids.contains(master))
            #expect(occurrences.allSatisfy { $0.child("CalendarItemType")?.text == "Occurrence" })
            let occ = gotOccurrence.messages.first?.path("Items", "CalendarItem")
            #expect(occ?.child("OriginalStart")?.text == "2026-03-04T08:30:00Z")
            #expect(occ?.child("IsRecurring")?.text == "true")
            #expect(deleted.codes == ["NoError"])
            #expect(Self.items(after).count == 4)
            let m = masterAfter.messages.first?.path("Items", "CalendarItem")
            #expect(m?.child("CalendarItemType")?.text == "RecurringMaster")
            #expect(m?.path("DeletedOccurrences", "DeletedOccurrence", "Start")?.text == "2026-03-04T08:30:00Z")
            #expect(m?.path("LastOccurrence", "Start")?.text == "2026-03-06T08:30:00Z")
            #expect(m?.path("Recurrence", "NumberedRecurrence", "NumberOfOccurrences")?.text == "5")
            #expect(byIndex.codes == ["ErrorCalendarOccurrenceIsDeletedFromRecurrence", "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange"])
        }
    }

    @Test func aModifiedOccurrenceBecomesAnException() async throws {
        try await SimulatorSession.with { s in
            let recurrence = "<t:Recurrence><t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence><t:NumberedRecurrence><t:StartDate>2026-04-06</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence></t:Recurrence>"
            let a = try await Self.create(s, "<t:Subject>Shift handover</t:Subject><t:Start>2026-04-06T07:00:00Z</t:Start><t:End>2026-04-06T07:15:00Z</t:End>\(recurrence)")
            let master = try #require(Self.id(a))
            let before = try await Self.view(s, "2026-04-06T00:00:00Z", "2026-04-09T00:00:00Z")
            let second = try #require(Self.items(before).dropFirst().first?.child("ItemId")?.attribute("Id"))
            let update = #"<m:UpdateItem ConflictResolution="AutoResolve" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange><t:ItemId Id="\#(second)"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:CalendarItem><t:Subject>Shift handover (late)</t:Subject></t:CalendarItem></t:SetItemField><t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>2026-04-07T09:00:00Z</t:Start></t:CalendarItem></t:SetItemField><t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>2026-04-07T09:15:00Z</t:End></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>"#
            let updated = try await s.send(s.envelope(update, impersonate: "alice@contoso.com"))
            let refused = try await s.send(s.envelope(update.replacingOccurrences(of: "item:Subject", with: "item:Importance").replacingOccurrences(of: "<t:Subject>Shift handover (late)</t:Subject>", with: "<t:Importance>High</t:Importance>"), impersonate: "alice@contoso.com"))
            let after = try await Self.view(s, "2026-04-06T00:00:00Z", "2026-04-09T00:00:00Z")
            let got = try await s.getItem(master, shape: "<t:BaseShape>AllProperties</t:BaseShape>")
            #expect(updated.codes == ["NoError"], "\(updated.text)")
            #expect(refused.codes == ["ErrorInvalidOperation"])
            let items = Self.items(after)
            #expect(items.map { $0.child("Start")?.text ?? "" } == ["2026-04-06T07:00:00Z", "2026-04-07T09:00:00Z", "2026-04-08T07:00:00Z"])
            #expect(items.map { $0.child("CalendarItemType")?.text ?? "" } == ["Occurrence", "Exception", "Occurrence"])
            #expect(items.dropFirst().first?.child("Subject")?.text == "Shift handover (late)")
            #expect(got.messages.first?.path("Items", "CalendarItem", "ModifiedOccurrences", "Occurrence", "OriginalStart")?.text == "2026-04-07T07:00:00Z")
        }
    }

    @Test func weeklyRecurrenceKeepsLocalTimeAcrossDaylightSaving() async throws {
        try await SimulatorSession.with { s in
            // Mondays and Wednesdays 09:00 Berlin time; Europe moves its clocks on 29 March 2026.
            let recurrence = "<t:Recurrence><t:WeeklyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Monday Wednesday</t:DaysOfWeek><t:FirstDayOfWeek>Monday</t:FirstDayOfWeek></t:WeeklyRecurrence><t:EndDateRecurrence><t:StartDate>2026-03-23</t:StartDate><t:EndDate>2026-04-01</t:EndDate></t:EndDateRecurrence></t:Recurrence>"
            let a = try await Self.create(s, "<t:Subject>Queue review</t:Subject><t:Start>2026-03-23T08:00:00Z</t:Start><t:End>2026-03-23T08:30:00Z</t:End>\(recurrence)<t:StartTimeZone Id=\"W. Europe Standard Time\"/><t:EndTimeZone Id=\"W. Europe Standard Time\"/>")
            let view = try await Self.view(s, "2026-03-20T00:00:00Z", "2026-04-10T00:00:00Z")
            #expect(a.codes == ["NoError"])
            #expect(Self.items(view).compactMap { $0.child("Start")?.text } == ["2026-03-23T08:00:00Z", "2026-03-25T08:00:00Z", "2026-03-30T07:00:00Z", "2026-04-01T07:00:00Z"])
        }
    }

    @Test func updateMovesTheItemAndRefusalsAreExchanges() async throws {
        try await SimulatorSession.with { s in
            let a = try await Self.create(s, "<t:Subject>Move me</t:Subject><t:Start>2026-05-04T12:00:00Z</t:Start><t:End>2026-05-04T13:00:00Z</t:End>")
            let id = try #require(Self.id(a))
            let update = #"<m:UpdateItem ConflictResolution="AlwaysOverwrite" SendMeetingInvitationsOrCancellations="SendToNone"><m:ItemChanges><t:ItemChange><t:ItemId Id="\#(id)"/><t:Updates><t:SetItemField><t:FieldURI FieldURI="calendar:Start"/><t:CalendarItem><t:Start>2026-05-05T12:00:00Z</t:Start></t:CalendarItem></t:SetItemField><t:SetItemField><t:FieldURI FieldURI="calendar:End"/><t:CalendarItem><t:End>2026-05-05T13:00:00Z</t:End></t:CalendarItem></t:SetItemField></t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>"#
            let updated = try await s.send(s.envelope(update, impersonate: "alice@contoso.com"))
            let noAttribute = try await s.send(s.envelope(update.replacingOccurrences(of: #" SendMeetingInvitationsOrCancellations="SendToNone""#, with: ""), impersonate: "alice@contoso.com"))
            let view = try await Self.view(s, "2026-05-05T00:00:00Z", "2026-05-06T00:00:00Z")
            let missing = try await Self.create(s, "<t:Start>2026-05-04T12:00:00Z</t:Start><t:End>2026-05-04T13:00:00Z</t:End>", invitations: nil)
            let backwards = try await Self.create(s, "<t:Start>2026-05-04T12:00:00Z</t:Start><t:End>2026-05-04T11:00:00Z</t:End>")
            let inInbox = try await Self.create(s, "<t:Start>2026-05-04T12:00:00Z</t:Start><t:End>2026-05-04T13:00:00Z</t:End>", folder: "inbox")
            let readOnly = try await Self.create(s, "<t:Start>2026-05-04T12:00:00Z</t:Start><t:End>2026-05-04T13:00:00Z</t:End><t:IsMeeting>true</t:IsMeeting>")
            let restricted = try await s.send(s.envelope(#"<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:CalendarView StartDate="2026-05-01T00:00:00Z" EndDate="2026-05-09T00:00:00Z"/><m:Restriction><t:Exists><t:FieldURI FieldURI="item:Subject"/></t:Exists></m:Restriction><m:ParentFolderIds><t:DistinguishedFolderId Id="calendar"/></m:ParentFolderIds></m:FindItem>"#, impersonate: "alice@contoso.com"))
            let tooBig = try await Self.view(s, "2026-01-01T00:00:00Z", "2029-01-01T00:00:00Z")
            let notCalendar = try await s.send(s.envelope(#"<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:CalendarView StartDate="2026-05-01T00:00:00Z" EndDate="2026-05-09T00:00:00Z"/><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>"#, impersonate: "alice@contoso.com"))
            let undeletable = try await s.send(s.envelope(#"<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="\#(id)"/></m:ItemIds></m:DeleteItem>"#, impersonate: "alice@contoso.com"))
            #expect(updated.codes == ["NoError"], "\(updated.text)")
            #expect(noAttribute.codes == ["ErrorSendMeetingInvitationsOrCancellationsRequired"])
            #expect(Self.items(view).compactMap { $0.child("Subject")?.text } == ["Move me"])
            #expect(missing.codes == ["ErrorSendMeetingInvitationsRequired"])
            #expect(backwards.codes == ["ErrorCalendarEndDateIsEarlierThanStartDate"])
            #expect(inInbox.codes == ["ErrorCannotCreateCalendarItemInNonCalendarFolder"])
            #expect(readOnly.codes == ["ErrorInvalidPropertySet"])
            #expect(restricted.codes == ["ErrorInvalidRestriction"])
            #expect(tooBig.codes == ["ErrorCalendarViewRangeTooBig"])
            #expect(notCalendar.codes == ["ErrorCalendarFolderIsInvalidForCalendarView"])
            #expect(undeletable.codes == ["ErrorSendMeetingCancellationsRequired"])
        }
    }

    @Test("relative monthly and yearly patterns expand to the nth or last matching weekday and read back as sent")
    func relativePatternsExpand() async throws {
        try await SimulatorSession.with { s in
            func pattern(_ body: String, _ range: String) -> String { "<t:Recurrence>\(body)\(range)</t:Recurrence>" }
            let secondTuesday = pattern("<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Tuesday</t:DaysOfWeek><t:DayOfWeekIndex>Second</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>",
                                        "<t:NumberedRecurrence><t:StartDate>2026-05-01</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence>")
            let lastWeekday = pattern("<t:RelativeMonthlyRecurrence><t:Interval>1</t:Interval><t:DaysOfWeek>Weekday</t:DaysOfWeek><t:DayOfWeekIndex>Last</t:DayOfWeekIndex></t:RelativeMonthlyRecurrence>",
                                      "<t:EndDateRecurrence><t:StartDate>2026-05-01</t:StartDate><t:EndDate>2026-07-31</t:EndDate></t:EndDateRecurrence>")
            let lastFridayOfOctober = pattern("<t:RelativeYearlyRecurrence><t:DaysOfWeek>Friday</t:DaysOfWeek><t:DayOfWeekIndex>Last</t:DayOfWeekIndex><t:Month>October</t:Month></t:RelativeYearlyRecurrence>",
                                              "<t:NumberedRecurrence><t:StartDate>2026-01-01</t:StartDate><t:NumberOfOccurrences>2</t:NumberOfOccurrences></t:NumberedRecurrence>")
            let monthly = try await Self.create(s, "<t:Subject>Queue review</t:Subject><t:Start>2026-05-12T09:00:00Z</t:Start><t:End>2026-05-12T10:00:00Z</t:End>\(secondTuesday)")
            let monthEnd = try await Self.create(s, "<t:Subject>Month-end report</t:Subject><t:Start>2026-05-29T16:00:00Z</t:Start><t:End>2026-05-29T16:30:00Z</t:End>\(lastWeekday)")
            let yearly = try await Self.create(s, "<t:Subject>Fiscal close</t:Subject><t:Start>2026-10-30T15:00:00Z</t:Start><t:End>2026-10-30T16:00:00Z</t:End>\(lastFridayOfOctober)")
            let id = try #require(Self.id(monthly), "\(monthly.text)")
            let yearlyID = try #require(Self.id(yearly), "\(yearly.text)")
            let summer = try await Self.view(s, "2026-05-01T00:00:00Z", "2026-09-01T00:00:00Z")
            let twoYears = try await Self.view(s, "2026-09-01T00:00:00Z", "2028-01-01T00:00:00Z")
            let master = try await s.getItem(id, shape: "<t:BaseShape>AllProperties</t:BaseShape>")
            let yearlyMaster = try await s.getItem(yearlyID, shape: "<t:BaseShape>AllProperties</t:BaseShape>")
            #expect(monthEnd.codes == ["NoError"], "\(monthEnd.text)")
            func starts(_ a: SimulatorSession.Answer, _ subject: String) -> [String] {
                Self.items(a).filter { $0.child("Subject")?.text == subject }.compactMap { $0.child("Start")?.text }
            }
            #expect(starts(summer, "Queue review") == ["2026-05-12T09:00:00Z", "2026-06-09T09:00:00Z", "2026-07-14T09:00:00Z"])
            #expect(starts(summer, "Month-end report") == ["2026-05-29T16:00:00Z", "2026-06-30T16:00:00Z", "2026-07-31T16:00:00Z"])
            #expect(starts(twoYears, "Fiscal close") == ["2026-10-30T15:00:00Z", "2027-10-29T15:00:00Z"])
            let m = master.messages.first?.path("Items", "CalendarItem", "Recurrence", "RelativeMonthlyRecurrence")
            #expect(m?.child("DaysOfWeek")?.text == "Tuesday" && m?.child("DayOfWeekIndex")?.text == "Second" && m?.child("Interval")?.text == "1")
            let y = yearlyMaster.messages.first?.path("Items", "CalendarItem", "Recurrence", "RelativeYearlyRecurrence")
            #expect(y?.child("DaysOfWeek")?.text == "Friday" && y?.child("DayOfWeekIndex")?.text == "Last" && y?.child("Month")?.text == "October")
            #expect(yearlyMaster.messages.first?.path("Items", "CalendarItem", "LastOccurrence", "Start")?.text == "2027-10-29T15:00:00Z")
        }
    }

    @Test func meetingInvitationsReachTheAttendees() async throws {
        try await SimulatorSession.with { s in
            let a = try await Self.create(s, "<t:Subject>Escalation review</t:Subject><t:Start>2026-06-01T14:00:00Z</t:Start><t:End>2026-06-01T15:00:00Z</t:End><t:RequiredAttendees><t:Attendee><t:Mailbox><t:EmailAddress>bob@contoso.com</t:EmailAddress></t:Mailbox></t:Attendee></t:RequiredAttendees>",
                                          invitations: "SendToAllAndSaveCopy")
            let items = s.simulator.tenant.allItems()
            let bobView = try await Self.view(s, "2026-06-01T00:00:00Z", "2026-06-02T00:00:00Z", mailbox: "bob@contoso.com")
            let bobInbox = try await s.findItem(shape: "<t:BaseShape>Default</t:BaseShape>", mailbox: "bob@contoso.com")
            #expect(a.codes == ["NoError"])
            #expect(Set(items.map { "\($0.mailbox)/\($0.folder)/\($0.itemClass)" }) == [
                "alice@contoso.com/Calendar/IPM.Appointment", "alice@contoso.com/Sent Items/IPM.Schedule.Meeting.Request",
                "bob@contoso.com/Calendar/IPM.Appointment", "bob@contoso.com/Inbox/IPM.Schedule.Meeting.Request",
            ])
            #expect(Self.items(bobView).first?.child("LegacyFreeBusyStatus")?.text == "Tentative")
            #expect(Self.items(bobInbox).first?.name == "MeetingRequest")
        }
    }
}
