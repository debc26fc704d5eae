@testable import EWSProtocol
@testable import EWSSimulator
import Foundation
import Testing

/// GetUserAvailability, GetServerTimeZones and the Out of Office settings answer as Exchange's do.
@Suite struct AvailabilityTests {
    static let pacific = "<t:TimeZone><t:Bias>480</t:Bias><t:StandardTime><t:Bias>0</t:Bias><t:Time>02:00:00</t:Time><t:DayOrder>1</t:DayOrder><t:Month>11</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek></t:StandardTime><t:DaylightTime><t:Bias>-60</t:Bias><t:Time>02:00:00</t:Time><t:DayOrder>2</t:DayOrder><t:Month>3</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek></t:DaylightTime></t:TimeZone>"

    static func availability(_ s: SimulatorSession, _ addresses: [String], start: String, end: String, view: String = "DetailedMerged",
                             interval: Int = 60, zone: String = pacific) async throws -> SimulatorSession.Answer {
        let data = addresses.map { "<t:MailboxData><t:Email><t:Address>\($0)</t:Address></t:Email><t:AttendeeType>Required</t:AttendeeType></t:MailboxData>" }.joined()
        return try await s.send(s.envelope("<m:GetUserAvailabilityRequest>\(zone)<m:MailboxDataArray>\(data)</m:MailboxDataArray><t:FreeBusyViewOptions><t:TimeWindow><t:StartTime>\(start)</t:StartTime><t:EndTime>\(end)</t:EndTime></t:TimeWindow><t:MergedFreeBusyIntervalInMinutes>\(interval)</t:MergedFreeBusyIntervalInMinutes><t:RequestedView>\(view)</t:RequestedView></t:FreeBusyViewOptions></m:GetUserAvailabilityRequest>",
                                           impersonate: "alice@contoso.com"))
    }

    @Test func freeBusyShowsTheMeetingInTheCallersZone() async throws {
        try await SimulatorSession.with { s in
            // 16:00-17:00 UTC on 2 June 2026 is 09:00-10:00 in Pacific daylight time.
            let made = try await CalendarTests.create(s, "<t:Subject>Supervisor sync</t:Subject><t:Start>2026-06-02T16:00:00Z</t:Start><t:End>2026-06-02T17:00:00Z</t:End><t:LegacyFreeBusyStatus>Busy</t:LegacyFreeBusyStatus><t:Location>Desk 4</t:Location>")
            _ = try await CalendarTests.create(s, "<t:Subject>Bob's secret</t:Subject><t:Start>2026-06-02T18:00:00Z</t:Start><t:End>2026-06-02T18:30:00Z</t:End><t:LegacyFreeBusyStatus>OOF</t:LegacyFreeBusyStatus>", mailbox: "bob@contoso.com")
            let a = try await Self.availability(s, ["alice@contoso.com", "bob@contoso.com", "nobody@contoso.com"], start: "2026-06-02T08:00:00", end: "2026-06-02T12:00:00")
            let badInterval = try await Self.availability(s, ["alice@contoso.com"], start: "2026-06-02T08:00:00", end: "2026-06-02T12:00:00", interval: 2)
            let tooLong = try await Self.availability(s, ["alice@contoso.com"], start: "2026-06-01T00:00:00", end: "2026-08-01T00:00:00")
            #expect(made.codes == ["NoError"])
            let responses = a.body?.child("FreeBusyResponseArray")?.children ?? []
            #expect(responses.map { $0.path("ResponseMessage", "ResponseCode")?.text } == ["NoError", "NoError", "ErrorMailRecipientNotFound"])
            let alice = responses.first?.child("FreeBusyView")
            #expect(alice?.child("FreeBusyViewType")?.text == "DetailedMerged")
            #expect(alice?.child("MergedFreeBusy")?.text == "0200")
            #expect(alice?.path("CalendarEventArray", "CalendarEvent", "StartTime")?.text == "2026-06-02T09:00:00")
            #expect(alice?.path("CalendarEventArray", "CalendarEvent", "CalendarEventDetails", "Subject")?.text == "Supervisor sync")
            #expect(alice?.path("WorkingHours", "WorkingPeriodArray", "WorkingPeriod", "StartTimeInMinutes")?.text == "480")
            let bob = responses.dropFirst().first?.child("FreeBusyView")
            #expect(bob?.child("FreeBusyViewType")?.text == "FreeBusyMerged", "another mailbox's details stay hidden")
            #expect(bob?.child("MergedFreeBusy")?.text == "0003")
            #expect(bob?.path("CalendarEventArray", "CalendarEvent", "CalendarEventDetails") == nil)
            #expect(badInterval.fault?.code == "ErrorInvalidMergedFreeBusyInterval")
            #expect(tooLong.fault?.code == "ErrorTimeIntervalTooBig")
        }
    }

    @Test func serverTimeZonesCarryTheirRules() async throws {
        try await SimulatorSession.with { s in
            let all = try await s.send(s.envelope("<m:GetServerTimeZones ReturnFullTimeZoneData=\"false\"/>"))
            let one = try await s.send(s.envelope("<m:GetServerTimeZones><m:Ids><t:Id>W. Europe Standard Time</t:Id></m:Ids></m:GetServerTimeZones>"))
            let unknown = try await s.send(s.envelope("<m:GetServerTimeZones><m:Ids><t:Id>Mars Standard Time</t:Id></m:Ids></m:GetServerTimeZones>"))
            let ids = all.messages.first?.child("TimeZoneDefinitions")?.children.compactMap { $0.attribute("Id") } ?? []
            #expect(ids.contains("UTC") && ids.contains("Pacific Standard Time") && ids.count >= 20)
            let berlin = one.messages.first?.path("TimeZoneDefinitions", "TimeZoneDefinition")
            #expect(berlin?.child("Periods")?.children.compactMap { $0.attribute("Bias") } == ["-PT1H", "-PT2H"])
            let transitions = berlin?.path("TransitionsGroups", "TransitionsGroup")?.children ?? []
            #expect(transitions.map { "\($0.child("Month")?.text ?? "")/\($0.child("Occurrence")?.text ?? "")/\($0.child("TimeOffset")?.text ?? "")" } == ["3/-1/PT2H", "10/-1/PT3H"])
            #expect(unknown.codes == ["ErrorTimeZone"])
        }
    }

    static func oof(_ s: SimulatorSession, set settings: String? = nil, mailbox: String = "alice@contoso.com") async throws -> SimulatorSession.Answer {
        let address = "<t:Mailbox><t:Address>\(mailbox)</t:Address></t:Mailbox>"
        let body = settings.map { "<m:SetUserOofSettingsRequest>\(address)<t:UserOofSettings>\($0)</t:UserOofSettings></m:SetUserOofSettingsRequest>" }
            ?? "<m:GetUserOofSettingsRequest>\(address)</m:GetUserOofSettingsRequest>"
        return try await s.send(s.envelope(body, impersonate: "alice@contoso.com"))
    }

    @Test func outOfOfficeIsKeptAndAnswersSenders() async throws {
        try await SimulatorSession.with { s in
            let set = try await Self.oof(s, set: "<t:OofState>Enabled</t:OofState><t:ExternalAudience>Known</t:ExternalAudience><t:InternalReply><t:Message>Back Monday</t:Message></t:InternalReply><t:ExternalReply><t:Message>Away</t:Message></t:ExternalReply>")
            let got = try await Self.oof(s)
            let other = try await Self.oof(s, mailbox: "bob@contoso.com")
            let badSchedule = try await Self.oof(s, set: "<t:OofState>Scheduled</t:OofState><t:ExternalAudience>All</t:ExternalAudience><t:Duration><t:StartTime>2026-06-02T00:00:00Z</t:StartTime><t:EndTime>2026-06-01T00:00:00Z</t:EndTime></t:Duration>")
            let declining = try await Self.oof(s, set: "<t:OofState>Enabled</t:OofState><t:ExternalAudience>All</t:ExternalAudience><t:DeclineEventsForScheduledOOF>true</t:DeclineEventsForScheduledOOF>")
            // Bob writes to Alice twice: one automatic reply.
            for _ in 0..<2 {
                let sent = try await s.send(s.envelope(#"<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>Callback?</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>alice@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>"#, impersonate: "bob@contoso.com"))
                #expect(sent.codes == ["NoError"])
            }
            let bobsInbox = s.simulator.tenant.allItems().filter { $0.mailbox == "bob@contoso.com" }
            #expect(set.body?.path("ResponseMessage", "ResponseCode")?.text == "NoError")
            #expect(got.body?.path("OofSettings", "OofState")?.text == "Enabled")
            #expect(got.body?.path("OofSettings", "ExternalAudience")?.text == "Known")
            #expect(got.body?.path("OofSettings", "InternalReply", "Message")?.text == "Back Monday")
            #expect(other.body?.path("ResponseMessage", "ResponseCode")?.text == "ErrorAccessDenied")
            #expect(badSchedule.body?.path("ResponseMessage", "ResponseCode")?.text == "ErrorInvalidScheduledOofDuration")
            #expect(declining.body?.path("ResponseMessage", "ResponseCode")?.text == "ErrorInvalidOperation")
            #expect(bobsInbox.map(\.subject) == ["Automatic reply: Callback?"])
        }
    }
}
