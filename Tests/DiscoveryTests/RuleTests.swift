@testable import Discovery
import EWSTransport
import Foundation
import Testing

/// The client rules and answer readers, without a server.
@Suite("Autodiscover rules and answers")
struct RuleTests {
    func run(allowCrossDomain: Bool = false) -> EngineRun {
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(connections: 1))
        return EngineRun(engine: AutodiscoverEngine(transport: transport, configuration: DiscoveryConfiguration(
            methods: [.pox], allowCrossDomainRedirect: allowCrossDomain)), domain: "contoso.com")
    }

    @Test("redirects: http refused, the 11th refused, a visited URL refused, another domain refused unless allowed (and flagged)")
    func admission() {
        let engine = run()
        var chain = Chain(method: .pox)
        #expect(engine.admit("http://mail.contoso.com/autodiscover/autodiscover.xml", address: "a@contoso.com", &chain, why: "x")?.contains("plain-http") == true)
        #expect(chain.flags == ["non-https-refused"])
        chain = Chain(method: .pox)
        for i in 0..<10 {
            #expect(engine.admit("https://mail.contoso.com/\(i)/autodiscover/autodiscover.xml", address: "a@contoso.com", &chain, why: "x") == nil)
        }
        #expect(engine.admit("https://mail.contoso.com/10/autodiscover/autodiscover.xml", address: "a@contoso.com", &chain, why: "x")?.contains("10 redirects") == true)
        #expect(chain.flags.contains("too-many-redirects"))
        chain = Chain(method: .pox)
        chain.visited.insert(EngineRun.visitKey("a@contoso.com", "https://MAIL.contoso.com:443/autodiscover/autodiscover.xml"))
        #expect(engine.admit("https://mail.contoso.com/autodiscover/autodiscover.xml", address: "a@contoso.com", &chain, why: "x")?.contains("loop") == true)
        #expect(engine.admit("https://mail.contoso.com/autodiscover/autodiscover.xml", address: "b@contoso.com", &chain, why: "x") == nil,
                "the same URL for another address is no loop")
        chain = Chain(method: .pox)
        #expect(engine.admit("https://autodiscover.fabrikam.example/autodiscover/autodiscover.xml", address: "a@contoso.com", &chain, why: "x")?
                .contains("outside contoso.com") == true)
        #expect(chain.flags == ["cross-domain", "cross-domain-refused"])
        chain = Chain(method: .pox)
        #expect(run(allowCrossDomain: true).admit("https://autodiscover.fabrikam.example/autodiscover/autodiscover.xml", address: "a@contoso.com", &chain, why: "x") == nil)
        #expect(chain.flags == ["cross-domain"])
        #expect(DomainRules.host("eu.mail.contoso.com", isWithin: "contoso.com"))
        #expect(!DomainRules.host("evilcontoso.com", isWithin: "contoso.com"))
    }

    @Test("POX: settings prefer EXPR's EwsUrl; RedirectURL casing, redirectAddr and the base-namespace Error are read")
    func pox() {
        let ns = "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006"
        let outlook = "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a"
        func doc(_ inner: String, responseNS: String = outlook) -> [UInt8] {
            Array("<Autodiscover xmlns=\"\(ns)\"><Response xmlns=\"\(responseNS)\">\(inner)</Response></Autodiscover>".utf8)
        }
        let settings = POXAutodiscover.read(doc("<Account><Action>settings</Action><Protocol><Type>EXCH</Type><EwsUrl>https://a/EWS/Exchange.asmx</EwsUrl></Protocol><Protocol><Type>EXPR</Type><EwsUrl>https://b/EWS/Exchange.asmx</EwsUrl></Protocol></Account>"))
        guard case .settings(let url, _, _) = settings else { Issue.record("not settings: \(settings)"); return }
        #expect(url == "https://b/EWS/Exchange.asmx")
        #expect(POXAutodiscover.read(doc("<Account><Action>redirectUrl</Action><RedirectURL>https://c/autodiscover/autodiscover.xml</RedirectURL></Account>"))
                == .redirectURL("https://c/autodiscover/autodiscover.xml"))
        #expect(POXAutodiscover.read(doc("<Account><Action>redirectAddr</Action><RedirectAddr>x@y.example</RedirectAddr></Account>")) == .redirectAddress("x@y.example"))
        #expect(POXAutodiscover.read(doc("<Error Time=\"1\" Id=\"2\"><ErrorCode>500</ErrorCode><Message>The email address can't be found.</Message></Error>", responseNS: ns))
                == .error(code: "500", message: "The email address can't be found."))
        if case .malformed = POXAutodiscover.read(Array("<html><body>hello</body></html>".utf8)) {} else { Issue.record("HTML is not POX") }
        if case .malformed = POXAutodiscover.read(Array("<!DOCTYPE x [<!ENTITY a \"b\">]><Autodiscover/>".utf8)) {} else { Issue.record("a DTD is refused") }
    }

    @Test("SOAP and v2: RedirectAddress, InvalidUser and the JSON answer are read")
    func soapAndV2() {
        func soap(_ user: String) -> [UInt8] {
            Array("""
                <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetUserSettingsResponseMessage xmlns="http://schemas.microsoft.com/exchange/2010/Autodiscover"><Response><ErrorCode>NoError</ErrorCode><UserResponses><UserResponse>\(user)</UserResponse></UserResponses></Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>
                """.utf8)
        }
        #expect(SOAPAutodiscover.read(soap("<ErrorCode>RedirectAddress</ErrorCode><RedirectTarget>z@contoso.com</RedirectTarget>")) == .redirectAddress("z@contoso.com"))
        #expect(SOAPAutodiscover.read(soap("<ErrorCode>InvalidUser</ErrorCode><ErrorMessage>Invalid user</ErrorMessage>")) == .error(code: "InvalidUser", message: "Invalid user"))
        guard case .settings(let url, let values, _) = SOAPAutodiscover.read(soap("<ErrorCode>NoError</ErrorCode><UserSettings><UserSetting><Name>ExternalEwsUrl</Name><Value>https://e/EWS/Exchange.asmx</Value></UserSetting><UserSetting><Name>CasVersion</Name><Value>15.02.1544.004</Value></UserSetting></UserSettings>")) else {
            Issue.record("no settings"); return
        }
        #expect(url == "https://e/EWS/Exchange.asmx" && values["CasVersion"] == "15.02.1544.004")
        guard case .settings(let v2, _, _) = AutodiscoverV2.read(Array("{\"Protocol\":\"EWS\",\"Url\":\"https://outlook.office365.com/EWS/Exchange.asmx\"}".utf8), protocol: "EWS") else {
            Issue.record("v2 not read"); return
        }
        #expect(v2 == "https://outlook.office365.com/EWS/Exchange.asmx")
        if case .malformed = AutodiscoverV2.read(Array("{\"Protocol\":\"Rest\",\"Url\":\"https://x\"}".utf8), protocol: "EWS") {} else { Issue.record("wrong protocol accepted") }
    }

    @Test("the v2 JSON reader names HTML and refuses deep nesting before parsing")
    func v2ReaderIsBounded() {
        let html = AutodiscoverV2.read(Array("\n<html><head><title>Sign in</title></head></html>".utf8), protocol: "EWS")
        #expect(html == .malformed("an HTML page (“Sign in”) or XML instead of JSON"))
        let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)
        #expect(AutodiscoverV2.read(Array(deep.utf8), protocol: "EWS") == .malformed("JSON nests deeper than 16 levels"))
        // Brackets inside strings do not count.
        #expect(AutodiscoverV2.nestingDepth(Array(#"{"Url":"[[[[[[[[[[[[[[[[[[[[[[[[[","Protocol":"EWS"}"#.utf8)) == 1)
    }
}
