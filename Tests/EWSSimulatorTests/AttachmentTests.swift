@testable import EWSProtocol
@testable import EWSSimulator
import Foundation
import Testing

/// CreateAttachment, GetAttachment and DeleteAttachment with file and item attachments.
@Suite struct AttachmentTests {
    @Test func fileAndItemAttachmentsAreAddedReadAndRemoved() async throws {
        try await SimulatorSession.with { s in
            let id = try await s.createMessage("<t:Subject>Case 4711</t:Subject>")
            let key = try await ItemOperationTests.changeKey(s, id)
            let add = #"<m:CreateAttachment><m:ParentItemId Id="\#(id)" ChangeKey="\#(key)"/><m:Attachments><t:FileAttachment><t:Name>call.wav</t:Name><t:ContentType>audio/wav</t:ContentType><t:Content>UklGRg==</t:Content></t:FileAttachment><t:ItemAttachment><t:Name>Original mail</t:Name><t:Message><t:Subject>Customer complaint</t:Subject><t:Body BodyType="Text">It broke.</t:Body></t:Message></t:ItemAttachment></m:Attachments></m:CreateAttachment>"#
            let created = try await s.send(s.envelope(add, impersonate: "alice@contoso.com"))
            let stale = try await s.send(s.envelope(add, impersonate: "alice@contoso.com"))
            let ids = created.messages.compactMap { $0.child("Attachments")?.children.first?.child("AttachmentId")?.attribute("Id") }
            let rootKey = created.messages.last?.child("Attachments")?.children.first?.child("AttachmentId")?.attribute("RootItemChangeKey")
            let item = try await s.getItem(id, shape: "<t:BaseShape>Default</t:BaseShape>")
            let gotItem = try await s.send(s.envelope(#"<m:GetAttachment><m:AttachmentShape><t:BodyType>Text</t:BodyType></m:AttachmentShape><m:AttachmentIds><t:AttachmentId Id="\#(ids.last ?? "")"/></m:AttachmentIds></m:GetAttachment>"#, impersonate: "alice@contoso.com"))
            let deleted = try await s.send(s.envelope(#"<m:DeleteAttachment><m:AttachmentIds><t:AttachmentId Id="\#(ids.first ?? "")"/></m:AttachmentIds></m:DeleteAttachment>"#, impersonate: "alice@contoso.com"))
            let again = try await s.send(s.envelope(#"<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="\#(ids.first ?? "")"/></m:AttachmentIds></m:GetAttachment>"#, impersonate: "alice@contoso.com"))
            let after = try await s.getItem(id, shape: "<t:BaseShape>Default</t:BaseShape>")
            #expect(created.codes == ["NoError", "NoError"], "\(created.text)")
            #expect(ids.count == 2)
            #expect(stale.codes == ["ErrorIrresolvableConflict", "ErrorIrresolvableConflict"])
            let message = item.messages.first?.path("Items", "Message")
            #expect(message?.child("ItemId")?.attribute("ChangeKey") == rootKey)
            #expect(message?.child("Attachments")?.children.map(\.name) == ["FileAttachment", "ItemAttachment"])
            #expect(message?.child("HasAttachments")?.text == "true")
            let inner = gotItem.messages.first?.path("Attachments", "ItemAttachment", "Message")
            #expect(inner?.child("Subject")?.text == "Customer complaint")
            #expect(inner?.child("Body")?.text == "It broke.")
            #expect(inner?.child("ItemId") == nil)
            #expect(deleted.codes == ["NoError"])
            #expect(deleted.messages.first?.child("RootItemId")?.attribute("RootItemId") == id)
            #expect(again.codes == ["ErrorInvalidAttachmentId"])
            #expect(after.messages.first?.path("Items", "Message", "Attachments")?.children.map(\.name) == ["ItemAttachment"])
        }
    }
}
