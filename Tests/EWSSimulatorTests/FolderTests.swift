@testable import EWSProtocol
@testable import EWSSimulator
import EWSTransport
import Foundation
import Testing

/// The mailbox looks like an Exchange 2019 one, and folders can be created, emptied and deleted.
@Suite struct FolderTests {
    static func findFolders(_ s: SimulatorSession, under parent: String, deep: Bool = true) async throws -> [XMLElement] {
        let a = try await s.send(s.envelope(#"<m:FindFolder Traversal="\#(deep ? "Deep" : "Shallow")"><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:ParentFolderIds><t:DistinguishedFolderId Id="\#(parent)"/></m:ParentFolderIds></m:FindFolder>"#, impersonate: "alice@contoso.com"))
        return a.messages.first?.path("RootFolder", "Folders")?.children ?? []
    }

    @Test func theHierarchyHasExchangesFoldersAndClasses() async throws {
        try await SimulatorSession.with { s in
            let all = try await Self.findFolders(s, under: "root")
            let root = try await s.send(s.envelope(#"<m:GetFolder><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="msgfolderroot"/><t:DistinguishedFolderId Id="conversationhistory"/><t:DistinguishedFolderId Id="syncissues"/><t:DistinguishedFolderId Id="recipientcache"/></m:FolderIds></m:GetFolder>"#, impersonate: "alice@contoso.com"))
            #expect(all.count >= 40, "a real mailbox has 40+ folders, got \(all.count)")
            let classes = Dictionary(all.compactMap { f in f.child("DisplayName").map { ($0.text, f.child("FolderClass")?.text ?? "") } }, uniquingKeysWith: { a, _ in a })
            #expect(classes["Inbox"] == "IPF.Note")
            #expect(classes["Calendar"] == "IPF.Appointment")
            #expect(classes["Contacts"] == "IPF.Contact")
            #expect(classes["Tasks"] == "IPF.Task")
            #expect(classes["Conversation History"] == "IPF.Note.Microsoft.Conversation")
            #expect(classes["Voice Mail"] == "IPF.Note.Microsoft.Voicemail")
            #expect(classes["Top of Information Store"] == "", "msgfolderroot has no folder class")
            #expect(root.codes == ["NoError", "NoError", "NoError", "NoError"])
            #expect(root.messages.first?.path("Folders", "Folder", "FolderClass") == nil)
        }
    }

    @Test func voiceMailSearchFolderShowsVoiceMessages() async throws {
        try await SimulatorSession.with { s in
            _ = try await s.createMessage("<t:ItemClass>IPM.Note.Microsoft.Voicemail.UM.CA</t:ItemClass><t:Subject>vm</t:Subject>")
            _ = try await s.createMessage("<t:Subject>plain</t:Subject>")
            let a = try await s.findItem(shape: "<t:BaseShape>Default</t:BaseShape>", folder: "voicemail")
            #expect(SimulatorSession.subjects(a) == ["vm"])
        }
    }

    @Test func createEmptyAndDeleteFolders() async throws {
        try await SimulatorSession.with { s in
            let create = #"<m:CreateFolder><m:ParentFolderId><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderId><m:Folders><t:Folder><t:DisplayName>Fax</t:DisplayName></t:Folder></m:Folders></m:CreateFolder>"#
            let created = try await s.send(s.envelope(create, impersonate: "alice@contoso.com"))
            let again = try await s.send(s.envelope(create, impersonate: "alice@contoso.com"))
            let folderID = try #require(created.messages.first?.path("Folders", "Folder", "FolderId")?.attribute("Id"))
            let save = try await s.send(s.envelope(#"<m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:FolderId Id="\#(folderID)"/></m:SavedItemFolderId><m:Items><t:Message><t:Subject>fax</t:Subject></t:Message></m:Items></m:CreateItem>"#, impersonate: "alice@contoso.com"))
            let emptied = try await s.send(s.envelope(#"<m:EmptyFolder DeleteType="HardDelete" DeleteSubFolders="false"><m:FolderIds><t:FolderId Id="\#(folderID)"/></m:FolderIds></m:EmptyFolder>"#, impersonate: "alice@contoso.com"))
            let itemsAfterEmpty = s.simulator.tenant.allItems().count
            let deleted = try await s.send(s.envelope(#"<m:DeleteFolder DeleteType="HardDelete"><m:FolderIds><t:FolderId Id="\#(folderID)"/></m:FolderIds></m:DeleteFolder>"#, impersonate: "alice@contoso.com"))
            let inbox = try await s.send(s.envelope(#"<m:DeleteFolder DeleteType="HardDelete"><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:DeleteFolder>"#, impersonate: "alice@contoso.com"))
            let gone = try await s.send(s.envelope(#"<m:GetFolder><m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape><m:FolderIds><t:FolderId Id="\#(folderID)"/></m:FolderIds></m:GetFolder>"#, impersonate: "alice@contoso.com"))
            #expect(created.codes == ["NoError"])
            #expect(again.codes == ["ErrorFolderExists"])
            #expect(save.codes == ["NoError"])
            #expect(emptied.codes == ["NoError"])
            #expect(itemsAfterEmpty == 0)
            #expect(deleted.codes == ["NoError"])
            #expect(inbox.codes == ["ErrorDeleteDistinguishedFolder"])
            #expect(gone.codes == ["ErrorItemNotFound"])
        }
    }

    @Test func mailboxUsersSignInForThemselves() async throws {
        try await SimulatorSession.with { s in
            let password = try #require(s.simulator.mailboxPasswords["carol@contoso.com"])
            let state = try #require(s.simulator.configuration.stateDirectory)
            let onDisk = try String(contentsOfFile: state + "/secrets/carol.password", encoding: .utf8)
            let transport = HTTPTransport(configuration: HTTPTransportConfiguration(
                credentials: .basic(user: "carol@contoso.com", password: Secret(password)), tls: .init(verify: true, caFile: s.simulator.caFile),
                hostPins: [HostPin(host: "mail.contoso.com", port: s.simulator.port, address: "127.0.0.1")], connections: 1))
            let own = SimulatorSession(simulator: s.simulator, transport: transport, validator: s.validator)
            let a = try await own.send(own.envelope(SimulatorEWSTests.inbox))
            #expect(onDisk == password)
            #expect(a.codes == ["NoError"], "carol reads her own inbox without impersonation")
        }
    }
}
