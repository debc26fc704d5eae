import EWSTransport
import Testing

@Suite struct RedactionTests {
    @Test func authorizationKeepsOnlyTheScheme() {
        #expect(Redaction.headerValue(name: "Authorization", value: "Basic c3ZjOnNlY3JldA==") == "Basic [redacted]")
        #expect(Redaction.headerValue(name: "authorization", value: "Bearer eyJhbGciOi.x.y") == "Bearer [redacted]")
        #expect(Redaction.headerValue(name: "Proxy-Authorization", value: "NTLM TlRMTVNTUAAB") == "NTLM [redacted]")
    }

    @Test func handshakeTokensInChallengesAreRemovedButOffersStay() {
        #expect(Redaction.headerValue(name: "WWW-Authenticate", value: "NTLM TlRMTVNTUAACAAAA") == "NTLM [redacted]")
        #expect(Redaction.headerValue(name: "WWW-Authenticate", value: "Negotiate oYG2MIGzoAMKAQ") == "Negotiate [redacted]")
        #expect(Redaction.headerValue(name: "WWW-Authenticate", value: "NTLM") == "NTLM")
        #expect(Redaction.headerValue(name: "WWW-Authenticate", value: "Basic realm=\"mail\"") == "Basic realm=\"mail\"")
    }

    @Test func cookiesKeepNamesOnly() {
        #expect(Redaction.headerValue(name: "Cookie", value: "a=1; X-BackEndOverrideCookie=srv~1") == "a=[redacted]; X-BackEndOverrideCookie=[redacted]")
        #expect(Redaction.headerValue(name: "Set-Cookie", value: "exchangecookie=ddb8; path=/") == "exchangecookie=[redacted]")
        #expect(Redaction.headerValue(name: "X-AnchorMailbox", value: "alice@contoso.com") == "alice@contoso.com")
    }

    @Test func secretNeverPrintsItself() {
        let secret = Secret("hunter2-sentinel")
        #expect("\(secret)" == "<redacted>")
        #expect(String(reflecting: secret) == "<redacted>")
        var dumped = ""
        dump(secret, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        let credentials = HTTPCredentials.ntlm(user: "svc", password: secret)
        #expect(!"\(credentials)".contains("hunter2"))
        #expect(!String(reflecting: credentials).contains("hunter2"))
        #expect(secret.withUnsafeValue { $0 } == "hunter2-sentinel")
    }
}
