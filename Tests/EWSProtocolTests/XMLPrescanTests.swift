@testable import EWSProtocol
import Testing

/// The byte-level pre-scan of the one XML entry point: what it refuses never reaches libxml2.
@Suite struct XMLPrescanTests {
    private func reason(_ text: String) -> XMLReadError.Reason? {
        reason(Array(text.utf8))
    }

    private func reason(_ bytes: [UInt8]) -> XMLReadError.Reason? {
        do {
            _ = try XMLTree(parsing: bytes)
            return nil
        } catch {
            return error.reason
        }
    }

    @Test("every markup declaration is refused by the pre-scan, not by libxml2's own guards")
    func declarationsAreRefusedBeforeParsing() throws {
        let bomb = #"<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><l>&b;</l>"#
        #expect(reason(bomb) == .declaration)
        #expect(reason(#"<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd"><x/>"#) == .declaration)
        // A declaration after the root is refused too (no parser ever accepts it, but none must see it).
        #expect(reason("<x></x><!ENTITY e \"v\">") == .declaration)
        #expect(throws: XMLReadError.self) { try XMLPrescan.check(Array("<!ELEMENT x ANY><x/>".utf8)) }
        do {
            try XMLPrescan.check(Array(bomb.utf8))
            Issue.record("the pre-scan let a DOCTYPE through")
        } catch {
            #expect(error.message.contains("<!DOCTYPE") && error.message.contains("DTD"))
        }
    }

    @Test("declarations inside comments, CDATA and attribute values are text, not markup")
    func declarationLookalikesAreAccepted() throws {
        let doc = #"<a t="x > y, &lt;!DOCTYPE not&gt;"><!-- <!DOCTYPE x> --><![CDATA[<!ENTITY y "z"> <b>]]><c/></a>"#
        let tree = try XMLTree(parsing: Array(doc.utf8))
        #expect(tree.root?.name == "a")
        let facts = try XMLPrescan.check(Array(doc.utf8))
        #expect(facts.elements == 2)
        #expect(facts.depth == 1)
    }

    @Test("an HTML login page and an ASP.NET error page are named as HTML, with their title")
    func htmlPagesAreNamed() {
        let login = """
            <!DOCTYPE html>
            <html><head><title>
              Sign in to your account
            </title></head><body><form></form></body></html>
            """
        #expect(reason(login) == .html(title: "Sign in to your account"))
        let aspnet = """
            <html>
                <head><title>Runtime Error</title></head>
                <body><h1>Server Error in '/EWS' Application.<hr width=100% size=1 color=silver></h1></body>
            </html>
            """
        #expect(reason(aspnet) == .html(title: "Runtime Error"))
        #expect(reason("<HTML><BODY>no title</BODY></HTML>") == .html(title: nil))
        do {
            _ = try XMLTree(parsing: Array(aspnet.utf8))
        } catch {
            #expect(error.message == "an HTML page (“Runtime Error”) instead of XML")
        }
    }

    @Test("nesting and element count are bounded before parsing")
    func limitsAreEnforced() {
        let deep = String(repeating: "<a>", count: 200) + String(repeating: "</a>", count: 200)
        #expect(reason(deep) == .tooDeep)
        let limits = XMLPrescan.Limits(maxDepth: 10, maxElements: 5)
        #expect(throws: XMLReadError.self) {
            try XMLPrescan.check(Array(("<r>" + String(repeating: "<i/>", count: 5) + "</r>").utf8), limits: limits)
        }
        #expect((try? XMLPrescan.check(Array(("<r>" + String(repeating: "<i/>", count: 4) + "</r>").utf8), limits: limits))?.elements == 5)
    }

    @Test("a huge attribute and a NUL byte are refused by name before parsing")
    func hugeTagsAndNULsAreRefused() {
        let huge = "<a v=\"" + String(repeating: "x", count: 2 << 20) + "\"/>"
        #expect(reason(huge) == .tooLarge)
        #expect(reason(Array("<a>x".utf8) + [0] + Array("</a>".utf8)) == .encoding)
        // A long text node is not a long tag.
        #expect(reason("<a>" + String(repeating: "y", count: 2 << 20) + "</a>") == nil)
    }

    @Test("the declared encoding must agree with the bytes")
    func encodingIsChecked() {
        var latin1InUTF8 = Array(#"<?xml version="1.0" encoding="utf-8"?><a>caf"#.utf8)
        latin1InUTF8 += [0xE9] + Array("</a>".utf8)
        #expect(reason(latin1InUTF8) == .encoding)
        #expect(reason(#"<?xml version="1.0" encoding="UTF-16"?><a/>"#) == .encoding)
        #expect(reason([0xFF, 0xFE] + Array("<\0a\0/\0>\0".utf8)) == .encoding)
        // Declared ISO-8859-1 with a Latin-1 byte: libxml2 converts it.
        var latin1 = Array(#"<?xml version="1.0" encoding="ISO-8859-1"?><a>caf"#.utf8)
        latin1 += [0xE9] + Array("</a>".utf8)
        #expect((try? XMLTree(parsing: latin1))?.root?.text == "café")
        // Real UTF-8 with a BOM passes.
        #expect((try? XMLTree(parsing: [0xEF, 0xBB, 0xBF] + Array("<a>café</a>".utf8)))?.root?.text == "café")
    }

    @Test("a SOAP 1.2 envelope is read but named as 1.2")
    func soapVersionIsNamed() throws {
        let v12 = #"<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"><s:Body><x/></s:Body></s:Envelope>"#
        let v11 = #"<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><x/></s:Body></s:Envelope>"#
        #expect(try SOAPResponse(bytes: Array(v12.utf8)).soapVersion == .soap12)
        #expect(try SOAPResponse(bytes: Array(v11.utf8)).soapVersion == .soap11)
    }

    @Test("the declared encoding is read from the XML declaration, quoted either way, with spaces around '='",
          arguments: [
              ("<?xml version=\"1.0\" encoding=\"utf-8\"?>", "utf-8"),
              ("<?xml version='1.0' encoding='ISO-8859-1' standalone='yes'?>", "ISO-8859-1"),
              ("<?xml version=\"1.0\" encoding = \"UTF-16\"?>", "UTF-16"),
              ("<?xml version=\"1.0\"?>", nil),
              ("<?xml version=\"1.0\" encoding=\"bad name\"?>", nil),
              ("<?xml version=\"1.0\" encoding=\"utf-8'?>", nil),
              ("<?xml version=\"1.0\" encoding=\"\"?>", nil),
          ] as [(String, String?)])
    func declaredEncoding(_ declaration: String, _ expected: String?) {
        #expect(XMLPrescan.encodingName(in: Array(declaration.utf8)[...]) == expected)
    }
}
