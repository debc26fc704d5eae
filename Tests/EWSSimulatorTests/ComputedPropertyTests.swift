@testable import EWSProtocol
@testable import EWSSimulator
import Foundation
import Testing

/// The MAPI properties the store computes for every item (flags, size, delivery time, the
/// article number IMAP gateways use as UID) come back by tag and sort as Exchange's do.
@Suite struct ComputedPropertyTests {
    static let flags = #"PropertyTag="0xe07" PropertyType="Integer""#
    static let article = #"PropertyTag="0xe23" PropertyType="Integer""#

    @Test func tagsAreComputedAndSortable() async throws {
        try await SimulatorSession.with { s in
            let first = try await s.createMessage("<t:Subject>one</t:Subject><t:IsRead>true</t:IsRead>")
            let second = try await s.createMessage("<t:Subject>two</t:Subject><t:IsRead>false</t:IsRead>")
            let shape = "<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:ExtendedFieldURI \(Self.flags)/><t:ExtendedFieldURI \(Self.article)/></t:AdditionalProperties>"
            let got = try await s.getItem(first, shape: shape)
            let sorted = try await s.findItem(#"<m:SortOrder><t:FieldOrder Order="Descending"><t:ExtendedFieldURI \#(Self.article)/></t:FieldOrder></m:SortOrder>"#, shape: shape)
            let props = got.messages.first?.path("Items", "Message")?.children("ExtendedProperty") ?? []
            #expect(props.first?.child("Value")?.text == "1", "PR_MESSAGE_FLAGS of a read message")
            #expect(Int(props.last?.child("Value")?.text ?? "") ?? 0 > 0)
            #expect(SimulatorSession.ids(sorted) == [second, first])
        }
    }

    /// OWA's form URLs are full URLs on the external host, as Exchange 2013 and later write them:
    /// `?ItemID=` the percent-escaped EWS id, then `&exvsurl=1&viewmodel=ReadMessageItem`. Every item
    /// has a read form; only a draft and a calendar item have an edit form, a received message none.
    @Test func owaFormsAreFullURLsOnTheExternalHost() async throws {
        try await SimulatorSession.with { s in
            let received = try await s.createMessage("<t:Subject>in the inbox</t:Subject>")
            let draft = try await s.createMessage("<t:Subject>a draft</t:Subject>", in: "drafts")
            let meeting = try #require(CalendarTests.id(try await CalendarTests.create(s,
                "<t:Subject>form</t:Subject><t:Start>2030-01-07T10:00:00Z</t:Start><t:End>2030-01-07T11:00:00Z</t:End>")))
            let shape = #"<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:WebClientReadFormQueryString"/><t:FieldURI FieldURI="item:WebClientEditFormQueryString"/></t:AdditionalProperties>"#
            var unreserved = CharacterSet(charactersIn: "-._~")
            unreserved.formUnion(CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"))
            func form(_ id: String) -> String {
                "https://mail.contoso.com:\(s.simulator.port)/owa/?ItemID=\(id.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "")&exvsurl=1&viewmodel=ReadMessageItem"
            }
            for (id, kind, editable) in [(received, "Message", false), (draft, "Message", true), (meeting, "CalendarItem", true)] {
                let got = try await s.getItem(id, shape: shape)
                let item = got.messages.first?.path("Items", kind)
                #expect(item?.child("WebClientReadFormQueryString")?.text == form(id), "\(got.text.suffix(800))")
                #expect(item?.child("WebClientEditFormQueryString")?.text == (editable ? form(id) : nil), "\(kind) editable \(editable)")
            }
            // An EWS id's base64 '+', '/' and '=' are escaped, so the URL's query stays one ItemID.
            #expect(ItemSerializer.urlEscaped("a+b/c=") == "a%2Bb%2Fc%3D")
            // FindItem writes the read form too.
            let found = try await s.findItem("", shape: shape)
            let read = (found.messages.first?.path("RootFolder", "Items")?.children ?? []).map { $0.child("WebClientReadFormQueryString")?.text }
            #expect(!read.isEmpty && read.allSatisfy { $0?.hasPrefix("https://mail.contoso.com:\(s.simulator.port)/owa/?ItemID=") == true })
        }
    }
}
