import EWSTestSupport
import Foundation
@testable import Reports
import Testing

/// The masker scans bytes; these tests hold it to the regular expression it replaced, which
/// states the language of a masked element plainly.
@Suite("The personal-data masker scans bytes as the regular expression matched")
struct PersonalDataMaskerTests {
    let masker = PersonalDataMasker(ownMarkers: ["[ewscheck ", "ewscheck run", "ewscheck-"],
                                    configuredAddresses: ["alice@contoso.com"])

    /// The regular expression the byte scanner replaced, applied as it was.
    func reference(_ xml: String) -> (String, Int) {
        guard xml.contains("<") else { return (xml, 0) }
        let regex = try! NSRegularExpression(
            pattern: "<(?:[A-Za-z0-9_]+:)?(" + PersonalDataMasker.elements.joined(separator: "|") + ")(?:\\s[^>]*)?>([^<]*)</(?:[A-Za-z0-9_]+:)?\\1>")
        let ns = xml as NSString
        var out = ""
        var last = 0
        var count = 0
        for match in regex.matches(in: xml, range: NSRange(location: 0, length: ns.length)) {
            let valueRange = match.range(at: 2)
            let value = ns.substring(with: valueRange)
            out += ns.substring(with: NSRange(location: last, length: valueRange.location - last))
            if masker.keeps(value) {
                out += value
            } else {
                out += "[masked: \(value.count) characters]"
                count += 1
            }
            last = valueRange.location + valueRange.length
        }
        out += ns.substring(from: last)
        return (out, count)
    }

    @Test("hand-written cases: prefixes, attributes, children, self-closing, mismatched and unclosed tags, non-ASCII values")
    func cases() {
        let inputs = [
            "<t:Subject>Quarterly numbers</t:Subject>",
            "<Subject>plain</Subject><t:DisplayName>Bob Smith</t:DisplayName>",
            "<t:Body BodyType=\"Text\">Hello there</t:Body>",
            "<t:Body\tBodyType=\"HTML\"\n>x</t:Body>",
            "<t:Subject><b>bold</b></t:Subject>",
            "<t:Subject/><t:Subject>after</t:Subject>",
            "<t:Subject>mismatch</t:DisplayName>",
            "<t:Subject>open but never closed",
            "<t:Subjects>not ours</t:Subjects><t:SubjectX>no</t:SubjectX>",
            "<t:Name>Inbox</t:Name><t:Name>Private folder</t:Name>",
            "<t:EmailAddress>alice@contoso.com</t:EmailAddress><t:EmailAddress>carol@fabrikam.com</t:EmailAddress>",
            "<t:Subject>[ewscheck 20261206T0000Z] voicemail</t:Subject>",
            "<t:Subject>Grüße aus Köln 👋🏽</t:Subject>",
            "<a:b:Subject>two prefixes</a:b:Subject>",
            "<t:Subject>x</a:Subject>",
            "<t:Subject>   </t:Subject><t:Subject></t:Subject>",
            "<<t:Subject>>x</t:Subject>",
            "no markup at all",
            "",
            "<",
            "<t:Subject",
            "<t:Subject>",
            "</t:Subject>",
            "<t:Location>Room 1</t:Location><t:Location attr='a>b'>Room 2</t:Location>",
        ]
        for input in inputs {
            let (got, n) = masker.mask(input)
            let (want, m) = reference(input)
            #expect(got == want, "\(input)")
            #expect(n == m, "\(input)")
        }
        #expect(masker.mask("<t:Subject>Quarterly numbers</t:Subject>") == ("<t:Subject>[masked: 17 characters]</t:Subject>", 1))
        #expect(masker.mask("<t:Subject>Grüße 👋🏽</t:Subject>").0 == "<t:Subject>[masked: 7 characters]</t:Subject>", "characters, not bytes")
    }

    @Test("random documents built from tag fragments mask exactly as the regular expression did", arguments: 0..<4)
    func random(seed: UInt64) {
        var rng = SeededGenerator(state: 0x6D61_736B + seed)
        let pieces = ["<", ">", "</", "/>", "t:", "m:", "a_1:", ":", " ", "\t", "\n", "=\"x\"", "'>'",
                      "Subject", "Body", "Name", "DisplayName", "Message", "Entry", "Folder", "Subjects",
                      "hello", "Inbox", "alice@contoso.com", "bob@fabrikam.com", "ewscheck-", "Grüße", "🙂", "&amp;", "x"]
        for _ in 0..<500 {
            var doc = ""
            for _ in 0..<Int.random(in: 1...40, using: &rng) { doc += pieces.randomElement(using: &rng)! }
            // Well-formed elements too, so matches are common.
            if Bool.random(using: &rng) {
                let name = ["Subject", "t:Body", "DisplayName", "m:Name", "Folder"].randomElement(using: &rng)!
                doc += "<\(name)>\(pieces.randomElement(using: &rng)!)</\(name)>"
            }
            let (got, n) = masker.mask(doc)
            let (want, m) = reference(doc)
            #expect(got == want, "\(doc)")
            #expect(n == m, "\(doc)")
        }
    }
}
