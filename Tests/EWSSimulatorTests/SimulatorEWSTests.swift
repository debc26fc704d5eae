@testable import EWSProtocol
import EWSSimulator
import Foundation
import Testing

/// The simulator's EWS endpoint answers like Exchange 2019, and every answer is schema-valid.
@Suite struct SimulatorEWSTests {
    static let inbox = #"<m:GetFolder><m:FolderShape><t:BaseShape>Default</t:BaseShape></m:FolderShape><m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>"#

    @Test func impersonatedGetFolderReadsTheTargetsInbox() async throws {
        try await SimulatorSession.with { s in
            let a = try await s.send(s.envelope(Self.inbox, impersonate: "alice@contoso.com"))
            #expect(a.codes == ["NoError"])
            let folder = try #require(a.messages.first?.child("Folders")?.child("Folder"))
            #expect(folder.child("DisplayName")?.text == "Inbox")
            #expect(folder.child("FolderId")?.attribute("Id")?.isEmpty == false)
            #expect(a.text.contains("<h:ServerVersionInfo MajorVersion=\"15\" MinorVersion=\"2\" MajorBuildNumber=\"1544\""))
        }
    }

    @Test(arguments: [("SmtpAddress", "alice.alias@contoso.com"), ("PrincipalName", "alice@contoso.com"),
                      ("SID", "S-1-5-21-1493619105-1843311271-3936346804-1102")])
    func everyConnectingSIDFormWorks(_ idType: String, _ value: String) async throws {
        try await SimulatorSession.with { s in
            let a = try await s.send(s.envelope(Self.inbox, impersonate: value, as: idType))
            #expect(a.codes == ["NoError"], "\(idType)=\(value): \(a.fault?.description ?? "")")
        }
    }

    @Test func impersonationFaultsAreExchangesForms() async throws {
        try await SimulatorSession.with { s in
            let denied = try await s.send(s.envelope(Self.inbox, impersonate: "erin@contoso.com"))
            #expect(denied.fault?.faultCode == "a:ErrorImpersonateUserDenied")
            #expect(denied.fault?.faultString == "The account does not have permission to impersonate the requested user.")
            #expect(denied.fault?.responseCode == "ErrorImpersonateUserDenied")
            #expect(denied.soap.serverVersion == nil, "faults carry no ServerVersionInfo")

            let missing = try await s.send(s.envelope(Self.inbox, impersonate: "nobody@contoso.com"))
            #expect(missing.fault?.code == "ErrorNonExistentMailbox")

            // A proxy address is not a primary SMTP address.
            let proxy = try await s.send(s.envelope(Self.inbox, impersonate: "alice.alias@contoso.com"))
            #expect(proxy.fault?.code == "ErrorNonExistentMailbox")

            let empty = try await s.send(s.envelope(Self.inbox, impersonate: " ", as: "SmtpAddress"))
            #expect(empty.fault?.code == "ErrorInvalidExchangeImpersonationHeaderData" || empty.fault?.code == "ErrorSchemaValidation")
        }
    }

    @Test("with request validation switched off (benchmarks), a schema-invalid request is served, and the schemas still are")
    func validationCanBeSwitchedOff() async throws {
        let twoIDs = { (s: SimulatorSession) in
            s.envelope(Self.inbox).replacingOccurrences(
                of: "<soap:Header>",
                with: "<soap:Header><t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>alice@contoso.com</t:SmtpAddress><t:PrincipalName>alice@contoso.com</t:PrincipalName></t:ConnectingSID></t:ExchangeImpersonation>")
        }
        try await SimulatorSession.with(configure: { $0.validatesRequests = false }) { s in
            #expect(s.simulator.configuration.schemaDirectory != nil, "the fixture's simulator has its schemas")
            let a = try await s.send(twoIDs(s))
            #expect(a.fault?.code != "ErrorSchemaValidation", "not validated: \(a.fault?.description ?? "")")
        }
        try await SimulatorSession.with { s in
            let validated = try await s.send(twoIDs(s))
            #expect(validated.fault?.code == "ErrorSchemaValidation", "validated by default")
        }
    }

    @Test func schemaViolationsAndBadVersionsAreFaults() async throws {
        try await SimulatorSession.with { s in
            let twoIDs = s.envelope(Self.inbox).replacingOccurrences(
                of: "<soap:Header>",
                with: "<soap:Header><t:ExchangeImpersonation><t:ConnectingSID><t:SmtpAddress>alice@contoso.com</t:SmtpAddress><t:PrincipalName>alice@contoso.com</t:PrincipalName></t:ConnectingSID></t:ExchangeImpersonation>")
            let a = try await s.send(twoIDs)
            #expect(a.fault?.code == "ErrorSchemaValidation")
            #expect(a.fault?.messageXml?.contains("LineNumber") == true)

            let version = try await s.send(s.envelope(Self.inbox, version: "V2099_01_01"))
            #expect(version.fault?.code == "ErrorInvalidServerVersion")
            #expect(version.fault?.faultString == "The specified server version is invalid.")

            let notXML = try await s.send("<soap:Envelope")
            #expect(notXML.fault?.code == "ErrorSchemaValidation")

            let unknownOp = try await s.send(s.envelope(#"<m:GetUserPhoto><m:Email>alice@contoso.com</m:Email><m:SizeRequested>HR48x48</m:SizeRequested></m:GetUserPhoto>"#))
            #expect(unknownOp.fault != nil)
        }
    }

    @Test func serviceAccountWithoutMailboxMustNameOne() async throws {
        try await SimulatorSession.with { s in
            let a = try await s.send(s.envelope(Self.inbox))
            #expect(a.codes == ["ErrorMissingEmailAddress"])
            #expect(a.messages.first?.attribute("ResponseClass") == "Error")
        }
    }

    @Test func voicemailRoundTripLeavesNothingBehind() async throws {
        try await SimulatorSession.with { s in
            let wav: [UInt8] = Array("RIFF....WAVEfmt ".utf8) + (0..<2000).map { UInt8($0 % 251) }
            let create = """
                <m:CreateItem MessageDisposition="SaveOnly"><m:SavedItemFolderId><t:DistinguishedFolderId Id="inbox"/></m:SavedItemFolderId>\
                <m:Items><t:Message><t:ItemClass>IPM.Note.Microsoft.Voicemail.UM.CA</t:ItemClass><t:Subject>Voice Mail</t:Subject>\
                <t:Body BodyType="Text">hi</t:Body><t:Attachments><t:FileAttachment><t:Name>audio.wav</t:Name><t:ContentType>audio/wav</t:ContentType>\
                <t:Content>\(Data(wav).base64EncodedString())</t:Content></t:FileAttachment></t:Attachments></t:Message></m:Items></m:CreateItem>
                """
            let created = try await s.send(s.envelope(create, impersonate: "bob@contoso.com"))
            #expect(created.codes == ["NoError"])
            let itemID = try #require(created.messages.first?.path("Items", "Message", "ItemId")?.attribute("Id"))
            #expect(s.simulator.tenant.allItems().map(\.mailbox) == ["bob@contoso.com"])

            let find = try await s.send(s.envelope(#"<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:IndexedPageItemView MaxEntriesReturned="10" Offset="0" BasePoint="Beginning"/><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>"#, impersonate: "bob@contoso.com"))
            #expect(find.messages.first?.child("RootFolder")?.attribute("TotalItemsInView") == "1")

            let get = try await s.send(s.envelope(#"<m:GetItem><m:ItemShape><t:BaseShape>Default</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="\#(itemID)"/></m:ItemIds></m:GetItem>"#, impersonate: "bob@contoso.com"))
            let message = try #require(get.messages.first?.path("Items", "Message"))
            #expect(message.child("ItemClass")?.text == "IPM.Note.Microsoft.Voicemail.UM.CA")
            let attachment = try #require(message.path("Attachments", "FileAttachment"))
            #expect(attachment.child("Size")?.text == String(wav.count))
            #expect(attachment.child("Content") == nil, "GetItem never returns attachment content")
            let attachmentID = try #require(attachment.child("AttachmentId")?.attribute("Id"))

            let fetched = try await s.send(s.envelope(#"<m:GetAttachment><m:AttachmentIds><t:AttachmentId Id="\#(attachmentID)"/></m:AttachmentIds></m:GetAttachment>"#, impersonate: "bob@contoso.com"))
            let content = try #require(fetched.messages.first?.path("Attachments", "FileAttachment", "Content")?.text)
            #expect(Data(base64Encoded: content).map([UInt8].init) == wav)

            // Another mailbox cannot see it.
            let foreign = try await s.send(s.envelope(#"<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="\#(itemID)"/></m:ItemIds></m:GetItem>"#, impersonate: "alice@contoso.com"))
            #expect(foreign.codes == ["ErrorItemNotFound"])

            let deleted = try await s.send(s.envelope(#"<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="\#(itemID)"/></m:ItemIds></m:DeleteItem>"#, impersonate: "bob@contoso.com"))
            #expect(deleted.codes == ["NoError"])
            let again = try await s.send(s.envelope(#"<m:DeleteItem DeleteType="HardDelete"><m:ItemIds><t:ItemId Id="\#(itemID)"/></m:ItemIds></m:DeleteItem>"#, impersonate: "bob@contoso.com"))
            #expect(again.codes == ["ErrorItemNotFound"])
            #expect(again.messages.first?.child("MessageText")?.text == "The specified object was not found in the store.")
            #expect(s.simulator.tenant.allItems().isEmpty)

            let malformed = try await s.send(s.envelope(#"<m:GetItem><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:ItemIds><t:ItemId Id="bm90LWFuLWlk"/></m:ItemIds></m:GetItem>"#, impersonate: "bob@contoso.com"))
            #expect(malformed.codes == ["ErrorInvalidIdMalformed"])
        }
    }

    @Test func softDeleteAndSendAreModelled() async throws {
        try await SimulatorSession.with { s in
            let send = """
                <m:CreateItem MessageDisposition="SendAndSaveCopy"><m:Items><t:Message><t:Subject>routed</t:Subject>\
                <t:ToRecipients><t:Mailbox><t:EmailAddress>carol@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>
                """
            let sent = try await s.send(s.envelope(send, impersonate: "dave@contoso.com"))
            #expect(sent.codes == ["NoError"])
            let items = s.simulator.tenant.allItems()
            #expect(Set(items.map { "\($0.mailbox)/\($0.folder)" }) == ["carol@contoso.com/Inbox", "dave@contoso.com/Sent Items"])
        }
    }

    @Test func findFolderListsTheHierarchy() async throws {
        try await SimulatorSession.with { s in
            let a = try await s.send(s.envelope(#"<m:FindFolder Traversal="Deep"><m:FolderShape><t:BaseShape>AllProperties</t:BaseShape></m:FolderShape><m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderIds></m:FindFolder>"#, impersonate: "carol@contoso.com"))
            let names = a.messages.first?.path("RootFolder", "Folders")?.children.compactMap { $0.child("DisplayName")?.text } ?? []
            #expect(names.contains("Inbox"))
            #expect(names.contains("Calendar"))
        }
    }
}
