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
}
