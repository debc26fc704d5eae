import EWSTransport
import Testing

@Suite("Byte-level searches behind the answer gate")
struct UTF8SearchTests {
    @Test("contains finds a needle anywhere, in non-ASCII text too, and nothing that is absent or cut")
    func contains() {
        let soap = "<s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>Grüße</s:Body></s:Envelope>"
        #expect(UTF8Search.contains(soap, "http://schemas.xmlsoap.org/soap/envelope/"))
        #expect(UTF8Search.contains(soap, "Grüße"))
        #expect(!UTF8Search.contains(soap, "http://www.w3.org/2003/05/soap-envelope"))
        #expect(!UTF8Search.contains("http://schemas.xmlsoap.org/soap/envelope", "http://schemas.xmlsoap.org/soap/envelope/"))
        #expect(!UTF8Search.contains("", "x"))
        #expect(UTF8Search.contains("", ""))
    }

    @Test("startsIgnoringCase skips leading ASCII white space only and ignores ASCII case")
    func starts() {
        #expect(UTF8Search.startsIgnoringCase("\r\n\t  <!DOCTYPE HTML><html>", with: "<!doctype html"))
        #expect(UTF8Search.startsIgnoringCase("<HtMl><title>x</title>", with: "<html"))
        #expect(!UTF8Search.startsIgnoringCase("x<html>", with: "<html"))
        #expect(!UTF8Search.startsIgnoringCase("<htm", with: "<html"))
        #expect(!UTF8Search.startsIgnoringCase("", with: "<html"))
    }

    @Test("containsIgnoringCase looks only within the limit")
    func containsWithin() {
        let page = "<?xml version=\"1.0\"?>" + String(repeating: " ", count: 100) + "<HTML>"
        #expect(UTF8Search.containsIgnoringCase(page, "<html", within: 2048))
        #expect(!UTF8Search.containsIgnoringCase(page, "<html", within: 100))
        #expect(UTF8Search.containsIgnoringCase("text/XML; charset=utf-8", "xml", within: .max))
        #expect(!UTF8Search.containsIgnoringCase("text/html", "xml", within: .max))
    }
}

@Suite("Byte-level searches in bodies as received")
struct UTF8ByteSearchTests {
    @Test("firstIndex finds the first occurrence at or after a start, in bytes that are no valid UTF-8 too")
    func firstIndex() {
        let body: [UInt8] = Array("<a>ErrorServerBusy</a><b Name=\"BackOffMilliseconds\">".utf8) + [0xFF, 0xFE] + Array("ErrorServerBusy".utf8)
        #expect(UTF8Search.firstIndex(of: "ErrorServerBusy", in: body) == 3)
        #expect(UTF8Search.firstIndex(of: "ErrorServerBusy", in: body, from: 4) == body.count - 15)
        #expect(UTF8Search.firstIndex(of: "ErrorServerBusyX", in: body) == nil)
        #expect(UTF8Search.contains(body, "BackOffMilliseconds"))
        #expect(!UTF8Search.contains([], "x"))
    }

    @Test("trimmedASCIISpace trims only ASCII white space at both ends and keeps what is inside")
    func trimmed() {
        #expect(UTF8Search.trimmedASCIISpace("  Content-Type: text/xml \r\n") == "Content-Type: text/xml")
        #expect(UTF8Search.trimmedASCIISpace("\t\r\n ") == "")
        #expect(UTF8Search.trimmedASCIISpace("") == "")
        #expect(UTF8Search.trimmedASCIISpace("x") == "x")
        let line = "Subject: Grüße  und  mehr\r\n"
        let value = line[line.index(after: line.firstIndex(of: ":")!)...]
        #expect(UTF8Search.trimmedASCIISpace(value) == "Grüße  und  mehr")
        // A non-ASCII space is content to HTTP (optional white space is SP and HTAB only).
        #expect(UTF8Search.trimmedASCIISpace("\u{00A0}ä\u{00A0} ") == "\u{00A0}ä\u{00A0}")
    }

    @Test("texts(between:and:) gives every text between an opening and the next closing, in order")
    func between() {
        let answer = "<m:ResponseCode>NoError</m:ResponseCode><x/><m:ResponseCode>ErrorItemNotFound</m:ResponseCode>"
        #expect(UTF8Search.texts(between: "<m:ResponseCode>", and: "</m:ResponseCode>", in: answer) == ["NoError", "ErrorItemNotFound"])
        #expect(UTF8Search.texts(between: "<m:ResponseCode>", and: "</m:ResponseCode>", in: "<m:ResponseCode></m:ResponseCode>") == [""])
        #expect(UTF8Search.texts(between: "<m:ResponseCode>", and: "</m:ResponseCode>", in: "<m:ResponseCode>cut") == [])
        #expect(UTF8Search.texts(between: "<a>", and: "</a>", in: "<a>Grüße</a> <a>ok</a>") == ["Grüße", "ok"])
        #expect(UTF8Search.texts(between: "<a>", and: "</a>", in: "") == [])
    }
}
