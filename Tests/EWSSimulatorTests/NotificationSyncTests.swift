@testable import EWSProtocol
@testable import EWSSimulator
import Foundation
import Testing

/// Pull subscriptions with GetEvents and watermarks, and SyncFolderItems / SyncFolderHierarchy
/// with sync states, report exactly what changed.
@Suite struct NotificationSyncTests {
    static func subscribe(_ s: SimulatorSession, types: [String] = ["NewMailEvent", "CreatedEvent", "DeletedEvent", "ModifiedEvent", "MovedEvent"],
                          timeout: Int = 5, mailbox: String = "alice@contoso.com") async throws -> (id: String, watermark: String) {
        let events = types.map { "<t:EventType>\($0)</t:EventType>" }.joined()
        let a = try await s.send(s.envelope("<m:Subscribe><m:PullSubscriptionRequest><t:FolderIds><t:DistinguishedFolderId Id=\"inbox\"/></t:FolderIds><t:EventTypes>\(events)</t:EventTypes><t:Timeout>\(timeout)</t:Timeout></m:PullSubscriptionRequest></m:Subscribe>",
                                            impersonate: mailbox))
        #expect(a.codes == ["NoError"], "\(a.text)")
        return (try #require(a.messages.first?.child("SubscriptionId")?.text), try #require(a.messages.first?.child("Watermark")?.text))
    }

    static func events(_ s: SimulatorSession, _ id: String, _ mark: String, mailbox: String = "alice@contoso.com") async throws -> SimulatorSession.Answer {
        try await s.send(s.envelope("<m:GetEvents><m:SubscriptionId>\(id)</m:SubscriptionId><m:Watermark>\(mark)</m:Watermark></m:GetEvents>", impersonate: mailbox))
    }

    static func kinds(_ a: SimulatorSession.Answer) -> [String] {
        a.messages.first?.child("Notification")?.children.map(\.name).filter { $0.hasSuffix("Event") } ?? []
    }

    static func lastWatermark(_ a: SimulatorSession.Answer) -> String? {
        a.messages.first?.child("Notification")?.children.last?.child("Watermark")?.text
    }

    @Test func aPullSubscriptionSeesNewMailMovesAndDeletes() async throws {
        try await SimulatorSession.with { s in
            let sub = try await Self.subscribe(s)
            let quiet = try await Self.events(s, sub.id, sub.watermark)
            let mark1 = try #require(Self.lastWatermark(quiet))
            let sent = try await s.send(s.envelope(#"<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>New voicemail</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>alice@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>"#, impersonate: "bob@contoso.com"))
            let newMail = try await Self.events(s, sub.id, mark1)
            let mark2 = try #require(Self.lastWatermark(newMail))
            let itemID = try #require(newMail.messages.first?.path("Notification", "NewMailEvent", "ItemId")?.attribute("Id"))
            let moved = try await s.send(s.envelope(#"<m:MoveItem><m:ToFolderId><t:DistinguishedFolderId Id="drafts"/></m:ToFolderId><m:ItemIds><t:ItemId Id="\#(itemID)"/></m:ItemIds></m:MoveItem>"#, impersonate: "alice@contoso.com"))
            let afterMove = try await Self.events(s, sub.id, mark2)
            let stale = try await Self.events(s, sub.id, "AAAAAAAAAAAAAAAAAQ==")
            let otherCaller = try await Self.events(s, sub.id, mark2, mailbox: "bob@contoso.com")
            let unsubscribed = try await s.send(s.envelope("<m:Unsubscribe><m:SubscriptionId>\(sub.id)</m:SubscriptionId></m:Unsubscribe>", impersonate: "alice@contoso.com"))
            let gone = try await Self.events(s, sub.id, mark2)
            #expect(Self.kinds(quiet) == ["StatusEvent"])
            #expect(sent.codes == ["NoError"])
            #expect(Self.kinds(newMail) == ["CreatedEvent", "NewMailEvent"])
            #expect(moved.codes == ["NoError"])
            #expect(Self.kinds(afterMove) == ["MovedEvent"])
            #expect(afterMove.messages.first?.path("Notification", "MovedEvent", "OldItemId")?.attribute("Id") == itemID)
            #expect(stale.codes == ["ErrorInvalidWatermark"])
            #expect(otherCaller.codes == ["ErrorSubscriptionAccessDenied"])
            #expect(unsubscribed.codes == ["NoError"])
            #expect(gone.codes == ["ErrorSubscriptionNotFound"])
        }
    }

    @Test func anIdleSubscriptionExpiresPushIsRefusedFreeBusyIsReported() async throws {
        try await SimulatorSession.with { s in
            let sub = try await Self.subscribe(s, timeout: 1)
            s.simulator.tenant.subscriptions.advanceClock(by: 61)
            let expired = try await Self.events(s, sub.id, sub.watermark)
            let push = try await s.send(s.envelope("<m:Subscribe><m:PushSubscriptionRequest SubscribeToAllFolders=\"true\"><t:EventTypes><t:EventType>NewMailEvent</t:EventType></t:EventTypes><t:StatusFrequency>1</t:StatusFrequency><t:URL>ftp://listener.contoso.com/</t:URL></m:PushSubscriptionRequest></m:Subscribe>", impersonate: "alice@contoso.com"))
            let calendar = try await s.send(s.envelope("<m:Subscribe><m:PullSubscriptionRequest SubscribeToAllFolders=\"true\"><t:EventTypes><t:EventType>FreeBusyChangedEvent</t:EventType></t:EventTypes><t:Timeout>10</t:Timeout></m:PullSubscriptionRequest></m:Subscribe>", impersonate: "alice@contoso.com"))
            let id = try #require(calendar.messages.first?.child("SubscriptionId")?.text)
            let mark = try #require(calendar.messages.first?.child("Watermark")?.text)
            _ = try await CalendarTests.create(s, "<t:Subject>Busy</t:Subject><t:Start>2026-07-01T10:00:00Z</t:Start><t:End>2026-07-01T11:00:00Z</t:End>")
            let changed = try await Self.events(s, id, mark)
            #expect(expired.codes == ["ErrorExpiredSubscription"])
            #expect(push.codes == ["ErrorInvalidPushSubscriptionUrl"])
            #expect(Self.kinds(changed) == ["FreeBusyChangedEvent"])
        }
    }

    static func sync(_ s: SimulatorSession, state: String?, max: Int = 100, folder: String = "inbox") async throws -> SimulatorSession.Answer {
        let st = state.map { "<m:SyncState>\($0)</m:SyncState>" } ?? ""
        return try await s.send(s.envelope("<m:SyncFolderItems><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI=\"item:Subject\"/></t:AdditionalProperties></m:ItemShape><m:SyncFolderId><t:DistinguishedFolderId Id=\"\(folder)\"/></m:SyncFolderId>\(st)<m:MaxChangesReturned>\(max)</m:MaxChangesReturned></m:SyncFolderItems>", impersonate: "alice@contoso.com"))
    }

    static func changes(_ a: SimulatorSession.Answer) -> [String] {
        a.messages.first?.child("Changes")?.children.map { "\($0.name):\($0.children.first?.child("Subject")?.text ?? "")" } ?? []
    }

    static func rename(_ subject: String) -> String {
        #"<t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>\#(subject)</t:Subject></t:Message></t:SetItemField>"#
    }

    @Test func syncFolderItemsPagesThroughChangesAndReportsDeletes() async throws {
        try await SimulatorSession.with { s in
            var ids: [String] = []
            for i in 1...3 { ids.append(try await s.createMessage("<t:Subject>m\(i)</t:Subject>")) }
            let first = try await Self.sync(s, state: nil, max: 2)
            let state1 = try #require(first.messages.first?.child("SyncState")?.text)
            let second = try await Self.sync(s, state: state1)
            let state2 = try #require(second.messages.first?.child("SyncState")?.text)
            _ = try await s.send(s.envelope(ItemOperationTests.update(ids[0], changeKey: nil, ItemOperationTests.markRead), impersonate: "alice@contoso.com"))
            _ = try await s.send(s.envelope(ItemOperationTests.update(ids[2], changeKey: nil, Self.rename("m3 renamed")), impersonate: "alice@contoso.com"))
            _ = try await s.send(s.envelope(#"<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="\#(ids[1])"/></m:ItemIds></m:DeleteItem>"#, impersonate: "alice@contoso.com"))
            let third = try await Self.sync(s, state: state2)
            let otherFolder = try await Self.sync(s, state: state2, folder: "drafts")
            let garbage = try await Self.sync(s, state: "bm90IGEgc3RhdGU=")
            #expect(Self.changes(first) == ["Create:m1", "Create:m2"])
            #expect(first.messages.first?.child("IncludesLastItemInRange")?.text == "false")
            #expect(Self.changes(second) == ["Create:m3"])
            #expect(second.messages.first?.child("IncludesLastItemInRange")?.text == "true")
            // The read flag alone is a ReadFlagChange (with the flag), any other change an Update.
            #expect(Self.changes(third) == ["ReadFlagChange:", "Update:m3 renamed", "Delete:"])
            let readFlag = third.messages.first?.child("Changes")?.children.first
            #expect(readFlag?.child("ItemId")?.attribute("Id") == ids[0] && readFlag?.child("IsRead")?.text == "true")
            let state3 = try #require(third.messages.first?.child("SyncState")?.text)
            _ = try await s.send(s.envelope(#"<m:MarkAllItemsAsRead><m:ReadFlag>false</m:ReadFlag><m:SuppressReadReceipts>true</m:SuppressReadReceipts><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:MarkAllItemsAsRead>"#, impersonate: "alice@contoso.com"))
            let fourth = try await Self.sync(s, state: state3)
            let unread = fourth.messages.first?.child("Changes")?.children ?? []
            #expect(!unread.isEmpty && unread.allSatisfy { $0.name == "ReadFlagChange" && $0.child("IsRead")?.text == "false" },
                    "MarkAllItemsAsRead changes the read flag alone: \(Self.changes(fourth))")
            #expect(otherFolder.codes == ["ErrorInvalidSyncStateData"])
            #expect(garbage.codes == ["ErrorInvalidSyncStateData"])
        }
    }

    @Test func syncFolderHierarchyReportsNewAndDeletedFolders() async throws {
        try await SimulatorSession.with { s in
            let request = { (state: String?) in
                "<m:SyncFolderHierarchy><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape>" + (state.map { "<m:SyncState>\($0)</m:SyncState>" } ?? "") + "</m:SyncFolderHierarchy>"
            }
            let initial = try await s.send(s.envelope(request(nil), impersonate: "alice@contoso.com"))
            let state = try #require(initial.messages.first?.child("SyncState")?.text)
            let created = try await s.send(s.envelope(#"<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>Callbacks</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>"#, impersonate: "alice@contoso.com"))
            let folderID = try #require(created.messages.first?.path("Folders", "Folder", "FolderId")?.attribute("Id"))
            let afterCreate = try await s.send(s.envelope(request(state), impersonate: "alice@contoso.com"))
            let state2 = try #require(afterCreate.messages.first?.child("SyncState")?.text)
            _ = try await s.send(s.envelope(#"<m:DeleteFolder DeleteType="HardDelete"><m:FolderIds><t:FolderId Id="\#(folderID)"/></m:FolderIds></m:DeleteFolder>"#, impersonate: "alice@contoso.com"))
            let afterDelete = try await s.send(s.envelope(request(state2), impersonate: "alice@contoso.com"))
            let initialNames = initial.messages.first?.child("Changes")?.children.compactMap { $0.children.first?.child("DisplayName")?.text } ?? []
            #expect(initialNames.contains("Inbox") && initialNames.contains("Calendar") && initialNames.count > 20)
            #expect(afterCreate.messages.first?.child("Changes")?.children.map { "\($0.name):\($0.children.first?.child("DisplayName")?.text ?? "")" } == ["Create:Callbacks"])
            #expect(afterDelete.messages.first?.child("Changes")?.children.map { "\($0.name):\($0.child("FolderId")?.attribute("Id") ?? "")" } == ["Delete:\(folderID)"])
        }
    }
}
