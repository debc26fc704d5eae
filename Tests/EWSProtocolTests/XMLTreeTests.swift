@testable import EWSProtocol
import EWSTestSupport
import Testing

@Suite struct XMLTreeTests {
    @Test func readsNamespacesAttributesAndText() throws {
        let tree = try XMLTree(parsing: Array(#"<a xmlns="urn:x" xmlns:t="urn:t"><t:b Id="1">hi <c>there</c></t:b></a>"#.utf8))
        let root = try #require(tree.root)
        #expect(root.name == "a")
        #expect(root.namespace == "urn:x")
        let b = try #require(root.child("b", "urn:t"))
        #expect(b.attribute("Id") == "1")
        #expect(b.text == "hi there")
        #expect(root.child("b", "urn:other") == nil)
    }

    @Test func refusesDocumentTypeDeclarations() {
        // The "billion laughs" shape: entity expansion must never happen.
        let bomb = """
            <?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
            <lolz>&lol2;</lolz>
            """
        #expect {
            _ = try XMLTree(parsing: Array(bomb.utf8))
        } throws: { error in
            (error as? XMLReadError)?.message.contains("DTD") == true
        }
    }

    @Test func refusesExternalEntities() {
        let xxe = #"<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>"#
        #expect(throws: XMLReadError.self) { _ = try XMLTree(parsing: Array(xxe.utf8)) }
    }

    @Test func reportsWhereADocumentIsBroken() {
        #expect {
            _ = try XMLTree(parsing: Array("<a>\n<b></a>".utf8))
        } throws: { error in
            guard let e = error as? XMLReadError else { return false }
            return e.line == 2 && !e.message.isEmpty
        }
    }

    @Test func refusesOversizedAndEmptyInput() {
        #expect(throws: XMLReadError.self) { _ = try XMLTree(parsing: Array(repeating: 0x20, count: 2048), maxBytes: 1024) }
        #expect(throws: XMLReadError.self) { _ = try XMLTree(parsing: []) }
        #expect(throws: XMLReadError.self) { _ = try XMLTree(parsing: Array("not xml at all".utf8)) }
    }

    /// Seeded, so every run reads the same inputs and a failure names a reproducible case.
    @Test func refusesRandomBytesAndMutatedEnvelopesCleanly() {
        var generator = SeededGenerator(state: 0x5eed_0c0d)
        // Random bytes are not XML: each is refused with a located error, by the tree and the SOAP reader alike.
        for length in [1, 7, 64, 512, 4096] {
            for round in 0..<20 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                #expect(throws: XMLReadError.self, "length \(length), round \(round)") { _ = try XMLTree(parsing: bytes) }
                #expect(throws: XMLReadError.self, "length \(length), round \(round)") { _ = try SOAPResponse(bytes: bytes) }
            }
        }
        // A real envelope with a few bytes changed: either refused, or read to the same tree each time.
        let envelope = Array(#"<?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><m:GetFolderResponse xmlns:m="urn:m"><m:ResponseMessages><m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode></m:GetFolderResponseMessage></m:ResponseMessages></m:GetFolderResponse></s:Body></s:Envelope>"#.utf8)
        #expect((try? SOAPResponse(bytes: envelope))?.bodyElement?.name == "GetFolderResponse", "the unchanged envelope reads")
        var refused = 0
        for round in 0..<200 {
            var bytes = envelope
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            do {
                let first = try XMLTree(parsing: bytes)
                let again = try XMLTree(parsing: bytes)
                #expect(first.root?.name == again.root?.name && first.root?.text == again.root?.text, "round \(round)")
            } catch {
                #expect(!error.description.isEmpty, "round \(round): the refusal says why")
                refused += 1
            }
        }
        #expect(refused > 0, "changed bytes break the document at least sometimes: \(refused) of 200 refused")
    }

    @Test func escapesEverythingXMLCannotCarryRaw() {
        #expect("a<b>&\"'".xmlEscaped == "a&lt;b&gt;&amp;&quot;&apos;")
        #expect("bell\u{7}null\u{0}".xmlEscaped == "bellnull")
    }
}
