@testable import EWSProtocol
@testable import EWSSimulator
import EWSTestSupport
import Foundation
import Testing

/// Meeting requests answered with CreateItem AcceptItem / TentativelyAcceptItem / DeclineItem:
/// the attendee's calendar, the organizer's Inbox and attendee list, and free/busy follow.
@Suite struct MeetingResponseTests {
    static let meeting = "<t:Subject>Queue review</t:Subject><t:Start>2026-06-03T14:00:00Z</t:Start><t:End>2026-06-03T15:00:00Z</t:End><t:LegacyFreeBusyStatus>Busy</t:LegacyFreeBusyStatus><t:RequiredAttendees><t:Attendee><t:Mailbox><t:EmailAddress>bob@contoso.com</t:EmailAddress></t:Mailbox></t:Attendee></t:RequiredAttendees>"

    /// Alice invites Bob; the id of the request in Bob's Inbox and of the meeting in his calendar.
    static func invite(_ s: SimulatorSession) async throws -> (request: String, calendarItem: String, organizerItem: String) {
        let made = try await CalendarTests.create(s, meeting, invitations: "SendToAllAndSaveCopy")
        let organizerItem = try #require(CalendarTests.id(made))
        let inbox = try await s.findItem(shape: "<t:BaseShape>IdOnly</t:BaseShape>", mailbox: "bob@contoso.com")
        let request = try #require(SimulatorSession.ids(inbox).first)
        let got = try await s.getItem(request, shape: #"<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="meeting:AssociatedCalendarItemId"/></t:AdditionalProperties>"#, mailbox: "bob@contoso.com")
        let calendarItem = try #require(got.messages.first?.path("Items", "MeetingRequest", "AssociatedCalendarItemId")?.attribute("Id"))
        return (request, calendarItem, organizerItem)
    }

    static func respond(_ s: SimulatorSession, _ element: String, to id: String, disposition: String? = "SendAndSaveCopy",
                        before: String = "", after: String = "", mailbox: String = "bob@contoso.com") async throws -> SimulatorSession.Answer {
        let attr = disposition.map { " MessageDisposition=\"\($0)\"" } ?? ""
        return try await s.send(s.envelope(#"<m:CreateItem\#(attr)><m:Items><t:\#(element)>\#(before)<t:ReferenceItemId Id="\#(id)"/>\#(after)</t:\#(element)></m:Items></m:CreateItem>"#, impersonate: mailbox))
    }

    static func calendarFields(_ s: SimulatorSession, _ id: String, mailbox: String) async throws -> XMLElement? {
        let a = try await s.getItem(id, shape: #"<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="calendar:MyResponseType"/><t:FieldURI FieldURI="calendar:LegacyFreeBusyStatus"/><t:FieldURI FieldURI="calendar:RequiredAttendees"/><t:FieldURI FieldURI="item:ParentFolderId"/></t:AdditionalProperties>"#, mailbox: mailbox)
        return a.messages.first?.path("Items", "CalendarItem")
    }

    @Test(arguments: [("AcceptItem", "Accept", "IPM.Schedule.Meeting.Resp.Pos", "Busy"),
                      ("TentativelyAcceptItem", "Tentative", "IPM.Schedule.Meeting.Resp.Tent", "Tentative")])
    func anAnswerReachesTheOrganizerAndTheCalendars(_ element: String, _ answer: String, _ itemClass: String, _ freeBusy: String) async throws {
        try await SimulatorSession.with { s in
            let ids = try await Self.invite(s)
            let a = try await Self.respond(s, element, to: ids.request)
            #expect(a.codes == ["NoError"])
            let bobCopy = try await Self.calendarFields(s, ids.calendarItem, mailbox: "bob@contoso.com")
            #expect(bobCopy?.child("MyResponseType")?.text == answer)
            #expect(bobCopy?.child("LegacyFreeBusyStatus")?.text == freeBusy)
            let organizer = try await Self.calendarFields(s, ids.organizerItem, mailbox: "alice@contoso.com")
            #expect(organizer?.path("RequiredAttendees", "Attendee", "ResponseType")?.text == answer)
            // The response in Alice's Inbox, as a MeetingResponse; the request left Bob's Inbox.
            let aliceInbox = try await s.findItem(shape: "<t:BaseShape>AllProperties</t:BaseShape>", mailbox: "alice@contoso.com")
            let response = try #require(CalendarTests.items(aliceInbox).first)
            #expect(response.name == "MeetingResponse")
            #expect(response.child("ItemClass")?.text == itemClass)
            let full = try await s.getItem(try #require(response.child("ItemId")?.attribute("Id")), shape: "<t:BaseShape>AllProperties</t:BaseShape>", mailbox: "alice@contoso.com")
            let got = full.messages.first?.path("Items", "MeetingResponse")
            #expect(got?.child("ResponseType")?.text == answer)
            #expect(got?.child("AssociatedCalendarItemId")?.attribute("Id") == ids.organizerItem)
            #expect(got?.path("From", "Mailbox", "EmailAddress")?.text == "bob@contoso.com")
            let bobInbox = try await s.findItem(mailbox: "bob@contoso.com")
            #expect(SimulatorSession.ids(bobInbox).isEmpty)
            let sent = try await s.findItem(shape: "<t:BaseShape>IdOnly</t:BaseShape>", folder: "sentitems", mailbox: "bob@contoso.com")
            #expect(SimulatorSession.ids(sent).count == 1)
            // Bob's free/busy shows the answered meeting.
            let busy = try await AvailabilityTests.availability(s, ["bob@contoso.com"], start: "2026-06-03T06:00:00", end: "2026-06-03T09:00:00")
            let merged = busy.body?.child("FreeBusyResponseArray")?.children.first?.path("FreeBusyView", "MergedFreeBusy")?.text
            #expect(merged == (answer == "Accept" ? "020" : "010"))
        }
    }

    @Test func aDeclineTakesTheMeetingOffTheAttendeesCalendar() async throws {
        try await SimulatorSession.with { s in
            let ids = try await Self.invite(s)
            // Answering the calendar item works as well as answering the request.
            let a = try await Self.respond(s, "DeclineItem", to: ids.calendarItem, disposition: "SendOnly",
                                           before: "<t:Sensitivity>Private</t:Sensitivity><t:Body BodyType=\"Text\">On leave that day</t:Body><t:IsReadReceiptRequested>true</t:IsReadReceiptRequested>")
            #expect(a.codes == ["NoError"])
            let view = try await CalendarTests.view(s, "2026-06-03T00:00:00Z", "2026-06-04T00:00:00Z", mailbox: "bob@contoso.com")
            #expect(CalendarTests.items(view).isEmpty)
            let organizer = try await Self.calendarFields(s, ids.organizerItem, mailbox: "alice@contoso.com")
            #expect(organizer?.path("RequiredAttendees", "Attendee", "ResponseType")?.text == "Decline")
            let aliceInbox = try await s.findItem(shape: "<t:BaseShape>AllProperties</t:BaseShape>", mailbox: "alice@contoso.com")
            let response = try #require(CalendarTests.items(aliceInbox).first)
            #expect(response.child("ItemClass")?.text == "IPM.Schedule.Meeting.Resp.Neg")
            let full = try await s.getItem(try #require(response.child("ItemId")?.attribute("Id")), shape: "<t:BaseShape>AllProperties</t:BaseShape>", mailbox: "alice@contoso.com")
            let got = full.messages.first?.path("Items", "MeetingResponse")
            #expect(got?.child("Body")?.text == "On leave that day")
            #expect(got?.child("Sensitivity")?.text == "Private")
            #expect(got?.child("IsReadReceiptRequested")?.text == "true")
            // SendOnly keeps no copy; free/busy is free again.
            let sent = try await s.findItem(folder: "sentitems", mailbox: "bob@contoso.com")
            #expect(SimulatorSession.ids(sent).isEmpty)
            let busy = try await AvailabilityTests.availability(s, ["bob@contoso.com"], start: "2026-06-03T06:00:00", end: "2026-06-03T09:00:00")
            #expect(busy.body?.child("FreeBusyResponseArray")?.children.first?.path("FreeBusyView", "MergedFreeBusy")?.text == "000")
        }
    }

    @Test func sendOnlyToAllInvitesWithoutASentCopy() async throws {
        try await SimulatorSession.with { s in
            let made = try await CalendarTests.create(s, Self.meeting, invitations: "SendOnlyToAll")
            #expect(made.codes == ["NoError"])
            let inbox = try await s.findItem(shape: "<t:BaseShape>AllProperties</t:BaseShape>", mailbox: "bob@contoso.com")
            #expect(CalendarTests.items(inbox).map(\.name) == ["MeetingRequest"])
            #expect(CalendarTests.items(inbox).first?.child("ItemClass")?.text == "IPM.Schedule.Meeting.Request")
            let sent = try await s.findItem(folder: "sentitems", mailbox: "alice@contoso.com")
            #expect(SimulatorSession.ids(sent).isEmpty)
        }
    }

    @Test func saveOnlyKeepsADraftAndSendsNothing() async throws {
        try await SimulatorSession.with { s in
            let ids = try await Self.invite(s)
            let a = try await Self.respond(s, "AcceptItem", to: ids.request, disposition: "SaveOnly")
            #expect(a.codes == ["NoError"])
            let drafts = try await s.findItem(shape: "<t:BaseShape>AllProperties</t:BaseShape>", folder: "drafts", mailbox: "bob@contoso.com")
            #expect(CalendarTests.items(drafts).map(\.name) == ["MeetingResponse"])
            let aliceInbox = try await s.findItem(mailbox: "alice@contoso.com")
            #expect(SimulatorSession.ids(aliceInbox).isEmpty)
        }
    }

    @Test func answersExchangeRefuses() async throws {
        try await SimulatorSession.with { s in
            let ids = try await Self.invite(s)
            let organizer = try await Self.respond(s, "AcceptItem", to: ids.organizerItem, mailbox: "alice@contoso.com")
            let noDisposition = try await Self.respond(s, "AcceptItem", to: ids.request, disposition: nil)
            let message = try await s.createMessage("<t:Subject>plain</t:Subject>", mailbox: "bob@contoso.com")
            let notAMeeting = try await Self.respond(s, "TentativelyAcceptItem", to: message)
            let proposal = try await Self.respond(s, "AcceptItem", to: ids.request, after: "<t:ProposedStart>2026-06-03T16:00:00Z</t:ProposedStart>")
            let missing = try await s.send(s.envelope(#"<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:AcceptItem/></m:Items></m:CreateItem>"#, impersonate: "bob@contoso.com"))
            #expect(organizer.codes == ["ErrorCalendarIsOrganizerForAccept"])
            #expect(noDisposition.codes == ["ErrorMessageDispositionRequired"])
            #expect(notAMeeting.codes == ["ErrorInvalidReferenceItem"])
            #expect(proposal.codes == ["ErrorInvalidOperation"])
            #expect(missing.codes == ["ErrorMissingInformationReferenceItemId"])
            // Nothing was answered.
            let bobCopy = try await Self.calendarFields(s, ids.calendarItem, mailbox: "bob@contoso.com")
            #expect(bobCopy?.child("MyResponseType")?.text == "NoResponseReceived")
        }
    }
}
