@testable import EWSProtocol
@testable import EWSSimulator
import Foundation
import Testing

/// FindItem restrictions, sort orders, AQS and paging select exactly what Exchange would, and
/// what the simulator cannot evaluate is refused, never answered with the whole folder.
@Suite struct RestrictionTests {
    static func tag(_ run: String) -> String {
        ExtendedPropertyTests.property(ExtendedPropertyTests.tagPath, "<t:Value>\(run)</t:Value>")
    }

    /// Five messages in alice's Inbox, received one second apart in this order.
    static func fill(_ s: SimulatorSession) async throws -> [String: String] {
        var ids: [String: String] = [:]
        let messages: [(String, String)] = [
            ("alpha", "<t:Subject>Voicemail from 100</t:Subject>\(tag("run-A"))<t:IsRead>0</t:IsRead>"),
            ("beta", "<t:ItemClass>IPM.Note.Microsoft.Voicemail.UM.CA</t:ItemClass><t:Subject>voicemail from 200 [mark-7]</t:Subject><t:Attachments><t:FileAttachment><t:Name>a.wav</t:Name><t:Content>AAAA</t:Content></t:FileAttachment></t:Attachments><t:Categories><t:String>Blue</t:String></t:Categories>\(tag("run-A"))<t:From><t:Mailbox><t:Name>Bob</t:Name><t:EmailAddress>bob@contoso.com</t:EmailAddress></t:Mailbox></t:From><t:IsRead>true</t:IsRead>"),
            ("gamma", "<t:Subject>Fax from 300</t:Subject>\(tag("run-B"))<t:IsRead>1</t:IsRead>"),
            ("delta", "<t:Subject>Fäx résumé</t:Subject><t:From><t:Mailbox><t:EmailAddress>carol@contoso.com</t:EmailAddress></t:Mailbox></t:From><t:IsRead>false</t:IsRead>"),
            ("epsilon", "<t:Subject>zulu [MARK-7] tail</t:Subject>\(tag("run-B"))"),
        ]
        for (name, inner) in messages {
            ids[name] = try await s.createMessage(inner)
        }
        // Distinct receive times (creation is faster than the clock's resolution).
        let base = Date(timeIntervalSince1970: 1_780_000_000)
        for (offset, (name, _)) in messages.enumerated() {
            s.simulator.tenant.setReceived(ofItem: ids[name] ?? "", to: base.addingTimeInterval(Double(offset)))
        }
        return ids
    }

    static func field(_ uri: String) -> String { #"<t:FieldURI FieldURI="\#(uri)"/>"# }
    static func constant(_ v: String) -> String { #"<t:FieldURIOrConstant><t:Constant Value="\#(v)"/></t:FieldURIOrConstant>"# }
    static let run = "<t:ExtendedFieldURI \(ExtendedPropertyTests.tagPath)/>"

    static let cases: [(String, String, Set<String>)] = [
        ("extended IsEqualTo", "<t:IsEqualTo>\(run)\(constant("run-A"))</t:IsEqualTo>", ["alpha", "beta"]),
        ("extended IsNotEqualTo skips items without it", "<t:IsNotEqualTo>\(run)\(constant("run-A"))</t:IsNotEqualTo>", ["gamma", "epsilon"]),
        ("extended Exists", "<t:Exists>\(run)</t:Exists>", ["alpha", "beta", "gamma", "epsilon"]),
        ("Not Exists", "<t:Not><t:Exists>\(run)</t:Exists></t:Not>", ["delta"]),
        ("subject IsEqualTo ignores case", "<t:IsEqualTo>\(field("item:Subject"))\(constant("VOICEMAIL FROM 100"))</t:IsEqualTo>", ["alpha"]),
        ("no such subject", "<t:IsEqualTo>\(field("item:Subject"))\(constant("no-such-subject"))</t:IsEqualTo>", []),
        ("Contains substring ignore case", #"<t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase">\#(field("item:Subject"))<t:Constant Value="mark-7"/></t:Contains>"#, ["beta", "epsilon"]),
        ("Contains substring exact", #"<t:Contains ContainmentMode="Substring" ContainmentComparison="Exact">\#(field("item:Subject"))<t:Constant Value="mark-7"/></t:Contains>"#, ["beta"]),
        ("Contains prefixed", #"<t:Contains ContainmentMode="Prefixed" ContainmentComparison="IgnoreCase">\#(field("item:Subject"))<t:Constant Value="voicemail"/></t:Contains>"#, ["alpha", "beta"]),
        ("Contains full string exact", #"<t:Contains ContainmentMode="FullString" ContainmentComparison="Exact">\#(field("item:Subject"))<t:Constant Value="Fax from 300"/></t:Contains>"#, ["gamma"]),
        ("Contains ignoring non-spacing", #"<t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCaseAndNonSpacingCharacters">\#(field("item:Subject"))<t:Constant Value="FAX RESUME"/></t:Contains>"#, ["delta"]),
        ("Contains with accents significant", #"<t:Contains ContainmentMode="Substring" ContainmentComparison="IgnoreCase">\#(field("item:Subject"))<t:Constant Value="RESUME"/></t:Contains>"#, []),
        ("Contains prefix on words", #"<t:Contains ContainmentMode="PrefixOnWords" ContainmentComparison="IgnoreCase">\#(field("item:Subject"))<t:Constant Value="tai"/></t:Contains>"#, ["epsilon"]),
        ("Contains exact phrase", #"<t:Contains ContainmentMode="ExactPhrase" ContainmentComparison="IgnoreCase">\#(field("item:Subject"))<t:Constant Value="from 200"/></t:Contains>"#, ["beta"]),
        ("IsRead false (0 and false both stored as unread)", "<t:IsEqualTo>\(field("message:IsRead"))\(constant("0"))</t:IsEqualTo>", ["alpha", "delta"]),
        ("IsRead true", "<t:IsEqualTo>\(field("message:IsRead"))\(constant("true"))</t:IsEqualTo>", ["beta", "gamma", "epsilon"]),
        ("HasAttachments", "<t:IsEqualTo>\(field("item:HasAttachments"))\(constant("1"))</t:IsEqualTo>", ["beta"]),
        ("ItemClass prefix", #"<t:Contains ContainmentMode="Prefixed" ContainmentComparison="Exact">\#(field("item:ItemClass"))<t:Constant Value="IPM.Note.Microsoft.Voicemail"/></t:Contains>"#, ["beta"]),
        ("From by address", "<t:IsEqualTo>\(field("message:From"))\(constant("BOB@contoso.com"))</t:IsEqualTo>", ["beta"]),
        ("Categories", "<t:IsEqualTo>\(field("item:Categories"))\(constant("blue"))</t:IsEqualTo>", ["beta"]),
        ("received after", "<t:IsGreaterThan>\(field("item:DateTimeReceived"))\(constant("2026-05-28T20:26:42Z"))</t:IsGreaterThan>", ["delta", "epsilon"]),
        ("received at or after", "<t:IsGreaterThanOrEqualTo>\(field("item:DateTimeReceived"))\(constant("2026-05-28T20:26:42Z"))</t:IsGreaterThanOrEqualTo>", ["gamma", "delta", "epsilon"]),
        ("received before", "<t:IsLessThan>\(field("item:DateTimeReceived"))\(constant("2026-05-28T20:26:41Z"))</t:IsLessThan>", ["alpha"]),
        ("received at or before", "<t:IsLessThanOrEqualTo>\(field("item:DateTimeReceived"))\(constant("2026-05-28T20:26:41Z"))</t:IsLessThanOrEqualTo>", ["alpha", "beta"]),
        ("And", "<t:And><t:IsEqualTo>\(run)\(constant("run-B"))</t:IsEqualTo><t:IsEqualTo>\(field("message:IsRead"))\(constant("true"))</t:IsEqualTo></t:And>", ["gamma", "epsilon"]),
        ("Or", "<t:Or><t:IsEqualTo>\(run)\(constant("run-A"))</t:IsEqualTo><t:Exists>\(field("message:From"))</t:Exists></t:Or>", ["alpha", "beta", "delta"]),
    ]

    @Test func everyExpressionSelectsExactlyTheMatchingItems() async throws {
        try await SimulatorSession.with { s in
            let ids = try await Self.fill(s)
            let names = Dictionary(uniqueKeysWithValues: ids.map { ($0.value, $0.key) })
            for (what, expression, expected) in Self.cases {
                let a = try await s.findItem("<m:Restriction>\(expression)</m:Restriction>")
                #expect(a.codes == ["NoError"], "\(what): \(a.text)")
                let got = Set(SimulatorSession.ids(a).compactMap { names[$0] })
                #expect(got == expected, "\(what)")
                #expect(a.messages.first?.child("RootFolder")?.attribute("TotalItemsInView") == String(expected.count), "\(what)")
            }
        }
    }

    @Test func sortOrderOnAnyFieldAndPagingFollowIt() async throws {
        try await SimulatorSession.with { s in
            _ = try await Self.fill(s)
            let shape = "<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>\(Self.field("item:Subject"))</t:AdditionalProperties>"
            let bySubject = try await s.findItem("<m:SortOrder><t:FieldOrder Order=\"Ascending\">\(Self.field("item:Subject"))</t:FieldOrder></m:SortOrder>", shape: shape)
            #expect(SimulatorSession.subjects(bySubject) == ["Fax from 300", "Fäx résumé", "Voicemail from 100", "voicemail from 200 [mark-7]", "zulu [MARK-7] tail"])
            let oldestFirst = try await s.findItem("<m:SortOrder><t:FieldOrder Order=\"Ascending\">\(Self.field("item:DateTimeReceived"))</t:FieldOrder></m:SortOrder>", shape: shape)
            #expect(SimulatorSession.subjects(oldestFirst).first == "Voicemail from 100")
            let newestFirst = try await s.findItem(shape: shape)
            #expect(SimulatorSession.subjects(newestFirst) == SimulatorSession.subjects(oldestFirst).reversed(), "the default order is newest first")
            // Two keys: the tag (missing first), then subject descending.
            let twoKeys = try await s.findItem("<m:SortOrder><t:FieldOrder Order=\"Ascending\">\(Self.run)</t:FieldOrder><t:FieldOrder Order=\"Descending\">\(Self.field("item:Subject"))</t:FieldOrder></m:SortOrder>", shape: shape)
            #expect(SimulatorSession.subjects(twoKeys) == ["Fäx résumé", "voicemail from 200 [mark-7]", "Voicemail from 100", "zulu [MARK-7] tail", "Fax from 300"])
            // A restricted, sorted second page.
            let page = try await s.findItem(#"<m:IndexedPageItemView MaxEntriesReturned="2" Offset="1" BasePoint="Beginning"/><m:Restriction><t:Exists>\#(Self.run)</t:Exists></m:Restriction><m:SortOrder><t:FieldOrder Order="Ascending">\#(Self.field("item:DateTimeReceived"))</t:FieldOrder></m:SortOrder>"#, shape: shape)
            #expect(SimulatorSession.subjects(page) == ["voicemail from 200 [mark-7]", "Fax from 300"])
            let root = page.messages.first?.child("RootFolder")
            #expect(root?.attribute("TotalItemsInView") == "4")
            #expect(root?.attribute("IndexedPagingOffset") == "3")
            #expect(root?.attribute("IncludesLastItemInRange") == "false")
        }
    }

    @Test func simpleQueryStringsAreEvaluated() async throws {
        try await SimulatorSession.with { s in
            let ids = try await Self.fill(s)
            let names = Dictionary(uniqueKeysWithValues: ids.map { ($0.value, $0.key) })
            for (query, expected) in [("subject:voicemail", Set(["alpha", "beta"])), ("mark-7", ["beta", "epsilon"]),
                                      ("\"from 300\"", ["gamma"]), ("from:bob hasattachment:true", ["beta"]), ("kind:voicemail", ["beta"])] {
                let a = try await s.findItem("<m:QueryString>\(query.xmlEscaped)</m:QueryString>")
                #expect(a.codes == ["NoError"], "\(query)")
                #expect(Set(SimulatorSession.ids(a).compactMap { names[$0] }) == expected, "\(query)")
            }
            for query in ["subject:a OR subject:b", "received>2020-01-01", "(fax)", "size:>10"] {
                let a = try await s.findItem("<m:QueryString>\(query.xmlEscaped)</m:QueryString>")
                #expect(a.codes == ["ErrorUnsupportedQueryFilter"], "\(query) must be refused, not approximated")
            }
        }
    }

    @Test(arguments: [
        ("<m:Restriction><t:IsEqualTo>\(field("message:ToRecipients"))\(constant("x"))</t:IsEqualTo></m:Restriction>", "ErrorUnsupportedPathForQuery"),
        ("<m:Restriction><t:Excludes>\(field("item:Size"))<t:Bitmask Value=\"1\"/></t:Excludes></m:Restriction>", "ErrorUnsupportedQueryFilter"),
        ("<m:Restriction><t:IsEqualTo>\(field("item:DateTimeReceived"))\(constant("yesterday"))</t:IsEqualTo></m:Restriction>", "ErrorInvalidValueForProperty"),
        ("<m:Restriction><t:Contains ContainmentMode=\"Substring\">\(field("message:IsRead"))<t:Constant Value=\"t\"/></t:Contains></m:Restriction>", "ErrorUnsupportedQueryFilter"),
        ("<m:SortOrder><t:FieldOrder Order=\"Ascending\">\(field("message:ToRecipients"))</t:FieldOrder></m:SortOrder>", "ErrorUnsupportedPathForSortGroup"),
    ])
    func unsupportedQueriesAreRefused(_ inner: String, _ code: String) async throws {
        try await SimulatorSession.with { s in
            _ = try await s.createMessage("<t:Subject>one</t:Subject>")
            let a = try await s.findItem(inner)
            #expect(a.codes == [code], "\(a.text)")
            #expect(a.messages.first?.attribute("ResponseClass") == "Error")
            #expect(SimulatorSession.ids(a).isEmpty)
        }
    }

    @Test func groupingAndOtherViewsAreRefused() async throws {
        try await SimulatorSession.with { s in
            let grouped = try await s.send(s.envelope(#"<m:FindItem Traversal="Shallow"><m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape><m:GroupBy Order="Ascending"><t:FieldURI FieldURI="item:Subject"/><t:AggregateOn Aggregate="Maximum"><t:FieldURI FieldURI="item:DateTimeReceived"/></t:AggregateOn></m:GroupBy><m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds></m:FindItem>"#, impersonate: "alice@contoso.com"))
            let softDeleted = try await s.findItem(traversal: "SoftDeleted")
            #expect(grouped.codes == ["ErrorInvalidOperation"])
            #expect(softDeleted.codes == ["ErrorInvalidOperation"])
        }
    }
}
