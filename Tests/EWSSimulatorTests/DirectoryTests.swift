@testable import EWSProtocol
@testable import EWSSimulator
import Foundation
import Testing

/// The tenant's distribution groups, rooms and room lists: ExpandDL, GetRoomLists, GetRooms,
/// delivery to a group, and a room that books itself.
@Suite struct DirectoryTests {
    @Test func groupsAndRoomsAnswerAsExchanges() async throws {
        try await SimulatorSession.with { s in
            let expanded = try await s.send(s.envelope("<m:ExpandDL><m:Mailbox><t:EmailAddress>escalations@contoso.com</t:EmailAddress></m:Mailbox></m:ExpandDL>"))
            let unknown = try await s.send(s.envelope("<m:ExpandDL><m:Mailbox><t:EmailAddress>nogroup@contoso.com</t:EmailAddress></m:Mailbox></m:ExpandDL>"))
            let lists = try await s.send(s.envelope("<m:GetRoomLists/>"))
            let rooms = try await s.send(s.envelope("<m:GetRooms><m:RoomList><t:EmailAddress>rooms-hq@contoso.com</t:EmailAddress></m:RoomList></m:GetRooms>"))
            let notAList = try await s.send(s.envelope("<m:GetRooms><m:RoomList><t:EmailAddress>support@contoso.com</t:EmailAddress></m:RoomList></m:GetRooms>"))
            let resolved = try await s.send(s.envelope("<m:ResolveNames ReturnFullContactData=\"false\"><m:UnresolvedEntry>Support</m:UnresolvedEntry></m:ResolveNames>"))
            let sent = try await s.send(s.envelope(#"<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>Queue full</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>escalations@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>"#, impersonate: "dave@contoso.com"))
            let booked = try await CalendarTests.create(s, "<t:Subject>Review</t:Subject><t:Start>2026-06-03T09:00:00Z</t:Start><t:End>2026-06-03T10:00:00Z</t:End><t:Resources><t:Attendee><t:Mailbox><t:EmailAddress>room-1@contoso.com</t:EmailAddress></t:Mailbox></t:Attendee></t:Resources>", invitations: "SendToAllAndSaveCopy")
            let busy = try await AvailabilityTests.availability(s, ["room-1@contoso.com"], start: "2026-06-03T08:00:00", end: "2026-06-03T12:00:00", zone: "")
            let delivered = s.simulator.tenant.allItems().filter { $0.subject == "Queue full" }.map(\.mailbox)
            #expect(expanded.messages.first?.child("DLExpansion")?.children.map { "\($0.child("EmailAddress")?.text ?? "")/\($0.child("MailboxType")?.text ?? "")" }
                    == ["carol@contoso.com/Mailbox", "support@contoso.com/PublicDL"])
            #expect(unknown.codes == ["ErrorNameResolutionNoResults"])
            #expect(lists.body?.child("RoomLists")?.children.compactMap { $0.child("EmailAddress")?.text } == ["rooms-hq@contoso.com"])
            #expect(rooms.body?.child("Rooms")?.children.compactMap { $0.path("Id", "EmailAddress")?.text } == ["room-1@contoso.com", "room-2@contoso.com"])
            #expect(notAList.body?.child("ResponseCode")?.text == "ErrorNameResolutionNoResults")
            #expect(resolved.messages.first?.path("ResolutionSet", "Resolution", "Mailbox", "MailboxType")?.text == "PublicDL")
            #expect(sent.codes == ["NoError"])
            #expect(Set(delivered) == ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com"], "the group and its nested group deliver once each")
            #expect(booked.codes == ["NoError"])
            #expect(busy.body?.path("FreeBusyResponseArray", "FreeBusyResponse", "FreeBusyView", "MergedFreeBusy")?.text.contains("2") == true, "the room booked itself")
        }
    }
}
