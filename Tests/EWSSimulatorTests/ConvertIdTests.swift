@testable import EWSProtocol
@testable import EWSSimulator
import Foundation
import Testing

/// ConvertId: an item's id converted between every format the simulator speaks comes back as the
/// same item; malformed and unsupported ids are refused as Exchange refuses them.
@Suite struct ConvertIdTests {
    static func convert(_ s: SimulatorSession, _ id: String, from: String, to: String, mailbox: String = "alice@contoso.com") async throws -> SimulatorSession.Answer {
        try await s.send(s.envelope(#"<m:ConvertId DestinationFormat="\#(to)"><m:SourceIds><t:AlternateId Format="\#(from)" Id="\#(id.xmlEscaped)" Mailbox="\#(mailbox)"/></m:SourceIds></m:ConvertId>"#,
                                    impersonate: mailbox))
    }

    static func converted(_ a: SimulatorSession.Answer) -> String? {
        a.messages.first?.child("AlternateId")?.attribute("Id")
    }

    @Test("EwsId → OwaId → StoreId → HexEntryId → EntryId → EwsId round-trips; an OwaId is a length-prefixed, URL-escaped StoreId")
    func everyFormatRoundTrips() async throws {
        try await SimulatorSession.with { s in
            let id = try await s.createMessage("<t:Subject>Convert me</t:Subject>")
            var answers: [String: SimulatorSession.Answer] = [:]
            var current = (id: id, format: "EwsId")
            for next in ["OwaId", "StoreId", "HexEntryId", "EntryId", "EwsId"] {
                let a = try await Self.convert(s, current.id, from: current.format, to: next)
                answers[next] = a
                current = (try #require(Self.converted(a), "\(current.format) → \(next): \(a.text)"), next)
            }
            let owa = try #require(answers["OwaId"].flatMap(Self.converted))
            let direct = try await Self.convert(s, owa, from: "OwaId", to: "EwsId")
            #expect(current.id == id, "the chain came back as another id")
            #expect(Self.converted(direct) == id)
            #expect(answers.values.allSatisfy { $0.codes == ["NoError"] })
            #expect(answers["OwaId"]?.messages.first?.child("AlternateId")?.attribute("Format") == "OwaId")
            // Only URL-safe characters: base64's +, / and = are escaped.
            #expect(!owa.contains("+") && !owa.contains("/") && !owa.contains("="), "\(owa)")
            let store = try #require(answers["StoreId"].flatMap(Self.converted))
            #expect(owa.replacingOccurrences(of: "%2B", with: "+").replacingOccurrences(of: "%2F", with: "/").replacingOccurrences(of: "%3D", with: "=") == store)
            let bytes = try #require(Data(base64Encoded: store))
            let hex = try #require(answers["HexEntryId"].flatMap(Self.converted))
            #expect(Int(bytes[0]) == bytes.count - 1 && bytes.dropFirst().map { String(format: "%02X", $0) }.joined() == hex,
                    "a StoreId is the entry id behind its length")
        }
    }

    @Test("a malformed OwaId or StoreId is ErrorInvalidIdMalformed; EwsLegacyId is refused as not implemented, not dropped")
    func refusals() async throws {
        try await SimulatorSession.with { s in
            let id = try await s.createMessage("<t:Subject>Convert me</t:Subject>")
            let store = try #require(Self.converted(try await Self.convert(s, id, from: "EwsId", to: "StoreId")))
            var wrongLength = [UInt8](try #require(Data(base64Encoded: store)))
            wrongLength[0] &+= 1
            let owa = try #require(Self.converted(try await Self.convert(s, id, from: "EwsId", to: "OwaId")))
            let unescaped = try await Self.convert(s, "+" + owa.dropFirst(), from: "OwaId", to: "EwsId")
            let badLength = try await Self.convert(s, Data(wrongLength).base64EncodedString(), from: "StoreId", to: "EwsId")
            let garbage = try await Self.convert(s, "RgAAAAAS2%2", from: "OwaId", to: "EwsId")
            let legacy = try await Self.convert(s, id, from: "EwsId", to: "EwsLegacyId")
            #expect(unescaped.codes == ["ErrorInvalidIdMalformed"], "an OwaId carries no raw base64 punctuation")
            #expect(badLength.codes == ["ErrorInvalidIdMalformed"])
            #expect(garbage.codes == ["ErrorInvalidIdMalformed"])
            #expect(legacy.codes.count == 1 && legacy.codes != ["NoError"], "\(legacy.text)")
        }
    }
}
