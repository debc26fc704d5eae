@testable import EWSProtocol
@testable import EWSSimulator
import Foundation
import Testing

/// UpdateItem (with change keys), MoveItem, CopyItem, SendItem and MarkAllItemsAsRead behave as
/// Exchange's do, and unread counts follow.
@Suite struct ItemOperationTests {
    static func update(_ id: String, changeKey: String?, resolution: String = "AutoResolve", _ updates: String) -> String {
        let key = changeKey.map { " ChangeKey=\"\($0)\"" } ?? ""
        return #"<m:UpdateItem MessageDisposition="SaveOnly" ConflictResolution="\#(resolution)"><m:ItemChanges><t:ItemChange><t:ItemId Id="\#(id)"\#(key)/><t:Updates>\#(updates)</t:Updates></t:ItemChange></m:ItemChanges></m:UpdateItem>"#
    }

    static let markRead = #"<t:SetItemField><t:FieldURI FieldURI="message:IsRead"/><t:Message><t:IsRead>1</t:IsRead></t:Message></t:SetItemField>"#

    static func unreadCount(_ s: SimulatorSession, _ folder: String = "inbox") async throws -> String? {
        let a = try await s.send(s.envelope(#"<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="\#(folder)"/></m:FolderIds></m:GetFolder>"#, impersonate: "alice@contoso.com"))
        return a.messages.first?.path("Folders")?.children.first?.child("UnreadCount")?.text
    }

    static func changeKey(_ s: SimulatorSession, _ id: String) async throws -> String {
        let a = try await s.getItem(id)
        return try #require(a.messages.first?.path("Items", "Message", "ItemId")?.attribute("ChangeKey"))
    }

    @Test func markingReadLowersTheUnreadCountAndChangesTheKey() async throws {
        try await SimulatorSession.with { s in
            let id = try await s.createMessage("<t:Subject>lamp</t:Subject><t:IsRead>false</t:IsRead>")
            let before = try await Self.unreadCount(s)
            let key = try await Self.changeKey(s, id)
            let a = try await s.send(s.envelope(Self.update(id, changeKey: key, Self.markRead), impersonate: "alice@contoso.com"))
            let after = try await Self.unreadCount(s)
            let newKey = a.messages.first?.path("Items", "Message", "ItemId")?.attribute("ChangeKey")
            // The old key is now stale: NeverOverwrite refuses it, AlwaysOverwrite does not.
            let stale = try await s.send(s.envelope(Self.update(id, changeKey: key, resolution: "NeverOverwrite", Self.markRead), impersonate: "alice@contoso.com"))
            let overwrite = try await s.send(s.envelope(Self.update(id, changeKey: key, resolution: "AlwaysOverwrite", Self.markRead), impersonate: "alice@contoso.com"))
            let malformed = try await s.send(s.envelope(Self.update(id, changeKey: "bm9wZQ==", Self.markRead), impersonate: "alice@contoso.com"))
            let missing = try await s.send(s.envelope(Self.update(id, changeKey: nil, resolution: "NeverOverwrite", Self.markRead), impersonate: "alice@contoso.com"))
            #expect(before == "1")
            #expect(a.codes == ["NoError"])
            #expect(after == "0")
            #expect(newKey != nil && newKey != key)
            #expect(stale.codes == ["ErrorIrresolvableConflict"])
            #expect(overwrite.codes == ["NoError"])
            #expect(malformed.codes == ["ErrorInvalidChangeKey"])
            #expect(missing.codes == ["ErrorChangeKeyRequiredForWriteOperations"])
        }
    }

    @Test func autoResolveMergesDisjointChangesAndRefusesOverlapping() async throws {
        try await SimulatorSession.with { s in
            let id = try await s.createMessage("<t:Subject>v1</t:Subject>")
            let key = try await Self.changeKey(s, id)
            let subject = #"<t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>v2</t:Subject></t:Message></t:SetItemField>"#
            let first = try await s.send(s.envelope(Self.update(id, changeKey: key, subject), impersonate: "alice@contoso.com"))
            // Another writer with the old key: a different property merges, the same one conflicts.
            let disjoint = try await s.send(s.envelope(Self.update(id, changeKey: key, Self.markRead), impersonate: "alice@contoso.com"))
            let overlapping = try await s.send(s.envelope(Self.update(id, changeKey: key, subject), impersonate: "alice@contoso.com"))
            let got = try await s.getItem(id, shape: "<t:BaseShape>Default</t:BaseShape>")
            #expect(first.codes == ["NoError"])
            #expect(disjoint.codes == ["NoError"])
            #expect(overlapping.codes == ["ErrorIrresolvableConflict"])
            #expect(got.messages.first?.path("Items", "Message", "Subject")?.text == "v2")
        }
    }

    @Test func setAppendAndDeleteFields() async throws {
        try await SimulatorSession.with { s in
            let id = try await s.createMessage("<t:Subject>s</t:Subject><t:Body BodyType=\"Text\">one</t:Body><t:Categories><t:String>A</t:String></t:Categories>" + ExtendedPropertyTests.property(ExtendedPropertyTests.tagPath, "<t:Value>run-1</t:Value>"))
            let updates = """
                <t:AppendToItemField><t:FieldURI FieldURI="item:Body"/><t:Message><t:Body BodyType="Text"> two</t:Body></t:Message></t:AppendToItemField>\
                <t:SetItemField><t:FieldURI FieldURI="item:Categories"/><t:Message><t:Categories><t:String>B</t:String></t:Categories></t:Message></t:SetItemField>\
                <t:SetItemField><t:ExtendedFieldURI \(ExtendedPropertyTests.tagPath)/><t:Message>\(ExtendedPropertyTests.property(ExtendedPropertyTests.tagPath, "<t:Value>run-2</t:Value>"))</t:Message></t:SetItemField>\
                <t:DeleteItemField><t:FieldURI FieldURI="item:Subject"/></t:DeleteItemField>
                """
            let a = try await s.send(s.envelope(Self.update(id, changeKey: nil, updates), impersonate: "alice@contoso.com"))
            let got = try await s.getItem(id, shape: "<t:BaseShape>Default</t:BaseShape><t:AdditionalProperties><t:ExtendedFieldURI \(ExtendedPropertyTests.tagPath)/></t:AdditionalProperties>")
            let badAppend = try await s.send(s.envelope(Self.update(id, changeKey: nil, #"<t:AppendToItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Subject>x</t:Subject></t:Message></t:AppendToItemField>"#), impersonate: "alice@contoso.com"))
            let badDelete = try await s.send(s.envelope(Self.update(id, changeKey: nil, #"<t:DeleteItemField><t:FieldURI FieldURI="message:IsRead"/></t:DeleteItemField>"#), impersonate: "alice@contoso.com"))
            let mismatch = try await s.send(s.envelope(Self.update(id, changeKey: nil, #"<t:SetItemField><t:FieldURI FieldURI="item:Subject"/><t:Message><t:Importance>High</t:Importance></t:Message></t:SetItemField>"#), impersonate: "alice@contoso.com"))
            #expect(a.codes == ["NoError"], "\(a.text)")
            let m = got.messages.first?.path("Items", "Message")
            #expect(m?.child("Body")?.text == "one two")
            #expect(m?.child("Categories")?.children.map(\.text) == ["B"])
            #expect(m?.child("Subject")?.text == "")
            #expect(m?.path("ExtendedProperty", "Value")?.text == "run-2")
            #expect(badAppend.codes == ["ErrorInvalidPropertyAppend"])
            #expect(badDelete.codes == ["ErrorInvalidPropertyDelete"])
            #expect(mismatch.codes == ["ErrorInvalidPropertyRequest"])
        }
    }

    @Test func moveAndCopyGiveNewIds() async throws {
        try await SimulatorSession.with { s in
            let id = try await s.createMessage("<t:Subject>move me</t:Subject>")
            let copy = try await s.send(s.envelope(#"<m:CopyItem><m:ToFolderId><t:DistinguishedFolderId Id="drafts"/></m:ToFolderId><m:ItemIds><t:ItemId Id="\#(id)"/></m:ItemIds></m:CopyItem>"#, impersonate: "alice@contoso.com"))
            let move = try await s.send(s.envelope(#"<m:MoveItem><m:ToFolderId><t:DistinguishedFolderId Id="deleteditems"/></m:ToFolderId><m:ItemIds><t:ItemId Id="\#(id)"/></m:ItemIds></m:MoveItem>"#, impersonate: "alice@contoso.com"))
            let old = try await s.getItem(id)
            let folders = Set(s.simulator.tenant.allItems().map(\.folder))
            #expect(copy.codes == ["NoError"])
            #expect(move.codes == ["NoError"])
            let moved = move.messages.first?.path("Items", "Message", "ItemId")?.attribute("Id")
            #expect(moved != nil && moved != id)
            #expect(old.codes == ["ErrorItemNotFound"], "a moved item's old id is gone")
            #expect(folders == ["Drafts", "Deleted Items"])
        }
    }

    @Test func sendItemDeliversADraft() async throws {
        try await SimulatorSession.with { s in
            let id = try await s.createMessage("<t:Subject>route me</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>bob@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients><t:BccRecipients><t:Mailbox><t:EmailAddress>carol@contoso.com</t:EmailAddress></t:Mailbox></t:BccRecipients>", in: "drafts")
            let a = try await s.send(s.envelope(#"<m:SendItem SaveItemToFolder="true"><m:ItemIds><t:ItemId Id="\#(id)"/></m:ItemIds></m:SendItem>"#, impersonate: "alice@contoso.com"))
            let items = s.simulator.tenant.allItems()
            #expect(a.codes == ["NoError"])
            #expect(Set(items.map { "\($0.mailbox)/\($0.folder)" }) == ["alice@contoso.com/Sent Items", "bob@contoso.com/Inbox", "carol@contoso.com/Inbox"])
        }
    }

    @Test func markAllItemsAsRead() async throws {
        try await SimulatorSession.with { s in
            for i in 0..<3 { _ = try await s.createMessage("<t:Subject>\(i)</t:Subject><t:IsRead>false</t:IsRead>") }
            let before = try await Self.unreadCount(s)
            let a = try await s.send(s.envelope(#"<m:MarkAllItemsAsRead><m:ReadFlag>true</m:ReadFlag><m:SuppressReadReceipts>true</m:SuppressReadReceipts><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:MarkAllItemsAsRead>"#, impersonate: "alice@contoso.com"))
            let after = try await Self.unreadCount(s)
            #expect(before == "3")
            #expect(a.codes == ["NoError"])
            #expect(after == "0")
        }
    }
}
