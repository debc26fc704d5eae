@testable import EWSProtocol
import Foundation
import Testing

/// Extended (MAPI) properties survive CreateItem and come back on GetItem and FindItem when a
/// shape asks for them, in Exchange's canonical value forms; bad paths and values are refused.
@Suite struct ExtendedPropertyTests {
    static let tagPath = #"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="ewscheck-run" PropertyType="String""#

    static func property(_ path: String, _ value: String) -> String {
        "<t:ExtendedProperty><t:ExtendedFieldURI \(path)/>\(value)</t:ExtendedProperty>"
    }

    static func values(_ message: XMLElement?) -> [String: String] {
        var result: [String: String] = [:]
        for p in message?.children("ExtendedProperty") ?? [] {
            guard let uri = p.child("ExtendedFieldURI") else { continue }
            let key = uri.attributeNames.sorted().map { "\($0)=\(uri.attribute($0) ?? "")" }.joined(separator: " ")
            result[key] = p.child("Value")?.text ?? (p.child("Values")?.children("Value").map(\.text).joined(separator: "|") ?? "")
        }
        return result
    }

    /// Every value form a client sends, with the form Exchange writes back.
    static let cases: [(path: String, sent: String, back: String)] = [
        (tagPath, "<t:Value>run-42</t:Value>", "run-42"),
        (#"DistinguishedPropertySetId="PublicStrings" PropertyName="CallerNumber" PropertyType="String""#, "<t:Value>+1 555 0100</t:Value>", "+1 555 0100"),
        (#"PropertyTag="0x1000" PropertyType="String""#, "<t:Value>body text</t:Value>", "body text"),
        (#"DistinguishedPropertySetId="Common" PropertyId="34070" PropertyType="Integer""#, "<t:Value> 0042 </t:Value>", "42"),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="duration" PropertyType="Long""#, "<t:Value>-9000000000</t:Value>", "-9000000000"),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="short" PropertyType="Short""#, "<t:Value>-7</t:Value>", "-7"),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="flag" PropertyType="Boolean""#, "<t:Value>1</t:Value>", "true"),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="when" PropertyType="SystemTime""#, "<t:Value>2026-03-01T10:00:00.000+01:00</t:Value>", "2026-03-01T09:00:00Z"),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="ratio" PropertyType="Double""#, "<t:Value>1.50</t:Value>", "1.5"),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="f" PropertyType="Float""#, "<t:Value>2</t:Value>", "2"),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="cur" PropertyType="Currency""#, "<t:Value>123456</t:Value>", "123456"),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="appt" PropertyType="ApplicationTime""#, "<t:Value>45000.25</t:Value>", "45000.25"),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="blob" PropertyType="Binary""#, "<t:Value>AAEC/w==</t:Value>", "AAEC/w=="),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="guid" PropertyType="CLSID""#, "<t:Value>C11FF724-AA03-4555-9952-8FA248A11C3E</t:Value>", "c11ff724-aa03-4555-9952-8fa248a11c3e"),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="tags" PropertyType="StringArray""#, "<t:Values><t:Value>a</t:Value><t:Value>b c</t:Value></t:Values>", "a|b c"),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="nums" PropertyType="IntegerArray""#, "<t:Values><t:Value>1</t:Value><t:Value>2</t:Value></t:Values>", "1|2"),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="times" PropertyType="SystemTimeArray""#, "<t:Values><t:Value>2026-01-01T00:00:00Z</t:Value></t:Values>", "2026-01-01T00:00:00Z"),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="blobs" PropertyType="BinaryArray""#, "<t:Values><t:Value>AQ==</t:Value><t:Value>Ag==</t:Value></t:Values>", "AQ==|Ag=="),
        (#"PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="bools" PropertyType="ShortArray""#, "<t:Values><t:Value>3</t:Value></t:Values>", "3"),
    ]

    @Test func everyTypeRoundTripsThroughGetItemAndFindItem() async throws {
        try await SimulatorSession.with { s in
            let all = Self.cases.map { Self.property($0.path, $0.sent) }.joined()
            let id = try await s.createMessage("<t:Subject>typed</t:Subject>" + all)
            let shape = "<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>"
                + Self.cases.map { "<t:ExtendedFieldURI \($0.path)/>" }.joined() + "</t:AdditionalProperties>"
            let got = try await s.getItem(id, shape: shape)
            let found = try await s.findItem(shape: shape)
            #expect(got.codes == ["NoError"])
            for answer in [Self.values(got.messages.first?.path("Items", "Message")),
                           Self.values(found.messages.first?.path("RootFolder", "Items")?.children.first)] {
                #expect(answer.count == Self.cases.count, "\(answer)")
                for c in Self.cases {
                    // The path comes back in the form it was asked (tag as lower-case hex, GUID lower-case).
                    let wanted = try XMLTree(parsing: Array("<x \(c.path)/>".utf8)).root
                    let expectedKey = (wanted?.attributeNames ?? []).sorted().map { name in
                        let v = wanted?.attribute(name) ?? ""
                        let normal = name == "PropertyTag" ? "0x" + String(UInt16(v.dropFirst(2), radix: 16) ?? 0, radix: 16) : (name == "PropertySetId" ? v.lowercased() : v)
                        return "\(name)=\(normal)"
                    }.joined(separator: " ")
                    let match = answer[expectedKey].map { (key: expectedKey, value: $0) }
                    #expect(match?.value == c.back, "\(c.path): sent \(c.sent), got \(match?.value ?? "nothing")")
                }
            }
        }
    }

    @Test func propertiesComeBackOnlyWhenAsked() async throws {
        try await SimulatorSession.with { s in
            let id = try await s.createMessage("<t:Subject>x</t:Subject>" + Self.property(Self.tagPath, "<t:Value>run-1</t:Value>"))
            let all = try await s.getItem(id, shape: "<t:BaseShape>AllProperties</t:BaseShape>")
            // The same property asked by its distinguished set's GUID and by a different type is another property.
            let otherType = try await s.getItem(id, shape: #"<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:ExtendedFieldURI PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="ewscheck-run" PropertyType="Integer"/></t:AdditionalProperties>"#)
            let otherName = try await s.getItem(id, shape: #"<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:ExtendedFieldURI PropertySetId="\#(SimulatorSession.runTagSet)" PropertyName="ewscheck-Run" PropertyType="String"/></t:AdditionalProperties>"#)
            #expect(all.messages.first?.path("Items", "Message")?.child("ExtendedProperty") == nil)
            #expect(otherType.messages.first?.path("Items", "Message")?.child("ExtendedProperty") == nil)
            #expect(otherName.messages.first?.path("Items", "Message")?.child("ExtendedProperty") == nil)
        }
    }

    @Test func distinguishedSetAndItsGuidNameTheSameProperty() async throws {
        try await SimulatorSession.with { s in
            let id = try await s.createMessage(Self.property(#"DistinguishedPropertySetId="PublicStrings" PropertyName="Keywords2" PropertyType="String""#, "<t:Value>k</t:Value>"))
            let byGuid = try await s.getItem(id, shape: #"<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:ExtendedFieldURI PropertySetId="00020329-0000-0000-C000-000000000046" PropertyName="Keywords2" PropertyType="String"/></t:AdditionalProperties>"#)
            let p = byGuid.messages.first?.path("Items", "Message", "ExtendedProperty")
            #expect(p?.child("Value")?.text == "k")
            #expect(p?.child("ExtendedFieldURI")?.attribute("PropertySetId") == "00020329-0000-0000-c000-000000000046")
        }
    }

    @Test(arguments: [
        (#"<t:ExtendedFieldURI PropertyTag="0x1000" PropertyName="x" PropertyType="String"/><t:Value>v</t:Value>"#, "ErrorInvalidExtendedProperty"),
        (#"<t:ExtendedFieldURI PropertyName="x" PropertyType="String"/><t:Value>v</t:Value>"#, "ErrorInvalidExtendedProperty"),
        (#"<t:ExtendedFieldURI DistinguishedPropertySetId="Common" PropertySetId="00062008-0000-0000-c000-000000000046" PropertyId="1" PropertyType="String"/><t:Value>v</t:Value>"#, "ErrorInvalidExtendedProperty"),
        (#"<t:ExtendedFieldURI PropertyTag="0x1000" PropertyType="Integer"/><t:Value>twelve</t:Value>"#, "ErrorInvalidExtendedPropertyValue"),
        (#"<t:ExtendedFieldURI PropertyTag="0x1000" PropertyType="Short"/><t:Value>70000</t:Value>"#, "ErrorInvalidExtendedPropertyValue"),
        (#"<t:ExtendedFieldURI PropertyTag="0x1000" PropertyType="Boolean"/><t:Value>yes</t:Value>"#, "ErrorInvalidExtendedPropertyValue"),
        (#"<t:ExtendedFieldURI PropertyTag="0x1000" PropertyType="StringArray"/><t:Value>v</t:Value>"#, "ErrorInvalidExtendedPropertyValue"),
        (#"<t:ExtendedFieldURI PropertyTag="0x1000" PropertyType="String"/><t:Values><t:Value>v</t:Value></t:Values>"#, "ErrorInvalidExtendedPropertyValue"),
        (#"<t:ExtendedFieldURI PropertyTag="0x1000" PropertyType="Object"/><t:Value>v</t:Value>"#, "ErrorUnsupportedMapiPropertyType"),
    ])
    func invalidPathsAndValuesAreRefused(_ property: String, _ code: String) async throws {
        try await SimulatorSession.with { s in
            let a = try await s.tryCreate("<t:ExtendedProperty>\(property)</t:ExtendedProperty>")
            #expect(a.codes == [code])
            #expect(s.simulator.tenant.allItems().isEmpty, "a refused item is not stored")
        }
    }
}
