@testable import EWSProtocol
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

    @Test func survivesRandomBytes() {
        var generator = SystemRandomNumberGenerator()
        for length in [1, 7, 64, 512, 4096] {
            for _ in 0..<50 {
                let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
                _ = try? XMLTree(parsing: bytes)
                _ = try? SOAPResponse(bytes: bytes)
            }
        }
    }

    @Test func escapesEverythingXMLCannotCarryRaw() {
        #expect("a<b>&\"'".xmlEscaped == "a&lt;b&gt;&amp;&quot;&apos;")
        #expect("bell\u{7}null\u{0}".xmlEscaped == "bellnull")
    }
}
