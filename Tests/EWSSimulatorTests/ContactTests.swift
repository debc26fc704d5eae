@testable import EWSProtocol
@testable import EWSSimulator
import Foundation
import Testing

/// Contacts are kept as given, and ResolveNames finds them beside the directory's users.
@Suite struct ContactTests {
    static let carla = #"<t:GivenName>Carla</t:GivenName><t:CompanyName>Fabrikam</t:CompanyName><t:EmailAddresses><t:Entry Key="EmailAddress1">carla@fabrikam.example</t:Entry></t:EmailAddresses><t:PhoneNumbers><t:Entry Key="BusinessPhone">+1 555 0199</t:Entry></t:PhoneNumbers><t:JobTitle>Buyer</t:JobTitle><t:Surname>Cliente</t:Surname>"#

    static func resolve(_ s: SimulatorSession, _ entry: String, scope: String = "ActiveDirectoryContacts") async throws -> SimulatorSession.Answer {
        try await s.send(s.envelope(#"<m:ResolveNames ReturnFullContactData="true" SearchScope="\#(scope)"><m:UnresolvedEntry>\#(entry)</m:UnresolvedEntry></m:ResolveNames>"#, impersonate: "alice@contoso.com"))
    }

    @Test func contactsRoundTripAndResolve() async throws {
        try await SimulatorSession.with { s in
            let created = try await s.send(s.envelope(#"<m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="contacts"/></m:SavedItemFolderId><m:Items><t:Contact>\#(Self.carla)</t:Contact></m:Items></m:CreateItem>"#, impersonate: "alice@contoso.com"))
            let id = try #require(created.messages.first?.path("Items", "Contact", "ItemId")?.attribute("Id"), "\(created.text)")
            let got = try await s.getItem(id, shape: "<t:BaseShape>AllProperties</t:BaseShape>")
            let byName = try await Self.resolve(s, "carla")
            let directory = try await Self.resolve(s, "bob", scope: "ActiveDirectory")
            let contactsOnly = try await Self.resolve(s, "bob", scope: "Contacts")
            let inInbox = try await s.send(s.envelope(#"<m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="inbox"/></m:SavedItemFolderId><m:Items><t:Contact>\#(Self.carla)</t:Contact></m:Items></m:CreateItem>"#, impersonate: "alice@contoso.com"))
            let unsupported = try await s.send(s.envelope(#"<m:CreateItem><m:Items><t:Contact><t:GivenName>X</t:GivenName><t:ImAddresses><t:Entry Key="ImAddress1">x@im</t:Entry></t:ImAddresses></t:Contact></m:Items></m:CreateItem>"#, impersonate: "alice@contoso.com"))
            let c = got.messages.first?.path("Items", "Contact")
            #expect(c?.child("DisplayName")?.text == "Carla Cliente")
            #expect(c?.child("Subject")?.text == "Carla Cliente")
            #expect(c?.child("FileAs")?.text == "Cliente, Carla")
            #expect(c?.path("PhoneNumbers", "Entry")?.text == "+1 555 0199")
            #expect(c?.path("EmailAddresses", "Entry")?.text == "carla@fabrikam.example")
            #expect(c?.child("ItemClass")?.text == "IPM.Contact")
            #expect(byName.codes == ["NoError"])
            let resolution = byName.messages.first?.path("ResolutionSet", "Resolution")
            #expect(resolution?.path("Mailbox", "MailboxType")?.text == "Contact")
            #expect(resolution?.path("Mailbox", "ItemId")?.attribute("Id") == id)
            #expect(resolution?.path("Contact", "PhoneNumbers", "Entry")?.text == "+1 555 0199")
            #expect(directory.messages.first?.path("ResolutionSet", "Resolution", "Mailbox", "EmailAddress")?.text == "bob@contoso.com")
            #expect(contactsOnly.codes == ["ErrorNameResolutionNoResults"])
            #expect(inInbox.codes == ["ErrorCannotCreateContactInNonContactFolder"])
            #expect(unsupported.codes == ["ErrorInvalidOperation"])
        }
    }
}
