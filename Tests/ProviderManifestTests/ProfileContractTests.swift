import Foundation
import ProviderManifest
import Testing

/// Every manifest field drives a check or is declared informational; what the harness cannot
/// honour is refused when the manifest is read.
@Suite struct ProfileContractTests {
    static func parse(_ change: (inout [String: Any]) -> Void) -> Result<ProviderManifest, ManifestErrors> {
        Result { () throws(ManifestErrors) in try ProviderManifest.parse(Data(ProviderManifestTests.mutate(change).utf8)) }
    }

    static func ews(_ o: inout [String: Any], _ key: String, _ value: Any) {
        var e = o["ews"] as? [String: Any] ?? [:]
        e[key] = value
        o["ews"] = e
    }

    @Test func connectingSIDTakesOneFormOrAList() throws {
        let one = try Self.parse { Self.ews(&$0, "connecting_sid", "principal-name") }.get()
        #expect(one.ews.connectingSIDs == ["principal-name"])
        let list = try Self.parse { Self.ews(&$0, "connecting_sid", ["primary-smtp-address", "principal-name"]) }.get()
        #expect(list.ews.connectingSIDs == ["primary-smtp-address", "principal-name"])
        #expect(list.ews.connectingSID == "primary-smtp-address")
        #expect(try ProviderManifest.parse(list.jsonData()) == list)
    }

    @Test(arguments: [
        ("sid alone", "connecting_sid", ["sid"], "'sid' alone leaves a mailbox without a SID"),
        ("an unknown form", "connecting_sid", ["primary-smtp-address", "guid"], "'guid' is not one of"),
    ])
    func ewsFieldsTheHarnessCannotHonourAreRefused(_ what: String, _ key: String, _ value: [String], _ message: String) {
        guard case .failure(let errors) = Self.parse({ Self.ews(&$0, key, value) }) else {
            Issue.record("\(what) was accepted")
            return
        }
        #expect(errors.errors.contains { $0.description.contains(message) }, "\(errors)")
    }

    @Test func unimplementedPlaceholdersAreRefused() {
        guard case .failure(let errors) = Self.parse({ o in
            o["discovery"] = ["methods": [["method": "fixed-url", "url_template": "https://{host}/EWS/Exchange.asmx"]]]
            o["auth"] = ["schemes": ["oauth2-client-credentials"],
                         "oauth": ["token_endpoint_template": "https://login.example/{tenant}/{region}/token", "scope_template": "https://x/.default"]]
        }) else {
            Issue.record("placeholders were accepted")
            return
        }
        let text = errors.description
        #expect(text.contains("discovery.methods[0].url_template: placeholder {host} is not supported"), "\(text)")
        #expect(text.contains("auth.oauth.token_endpoint_template: placeholder {region} is not supported"), "\(text)")
    }

    @Test func aDeviationSignatureIsReadAndMustSaySomething() throws {
        let m = try Self.parse { o in
            o["known_deviations"] = [["check": "voicemail.message-waiting", "reason": "no UnreadCount",
                                      "signature": ["facts": ["unread_count": "absent"], "http_status": 200]]]
        }.get()
        #expect(m.knownDeviations.first?.signature == .init(httpStatus: 200, facts: ["unread_count": "absent"]))
        #expect(try ProviderManifest.parse(m.jsonData()) == m)
        guard case .failure(let errors) = Self.parse({ o in
            o["known_deviations"] = [["check": "voicemail.message-waiting", "reason": "x", "signature": [String: Any]()]]
        }) else {
            Issue.record("an empty signature was accepted")
            return
        }
        #expect(errors.description.contains("known_deviations[0].signature: must give at least one of"))
        guard case .failure(let typo) = Self.parse({ o in
            o["known_deviations"] = [["check": "voicemail.message-waiting", "reason": "x", "signature": ["responsecode": "X"]]]
        }) else {
            Issue.record("an unknown signature key was accepted")
            return
        }
        #expect(typo.description.contains("known_deviations[0].signature.responsecode: unknown key"), "\(typo)")
    }
}

/// One header policy for manifests and hooks.
@Suite struct HeaderPolicyTests {
    @Test(arguments: [("X-Tenant", "acme", nil), ("Cookie", "a=b", "owned by the host"), ("Proxy-Authorization", "Basic x", "owned by the host"),
                      ("X-Tenant", "a\r\nX-Injected: 1", "line break or NUL"), ("Bad Name", "x", "not an HTTP header name")] as [(String, String, String?)])
    func headersAreJudgedOnce(_ name: String, _ value: String, _ problem: String?) {
        let found = HeaderPolicy.problem(name: name, value: value)
        if let problem { #expect(found?.contains(problem) == true, "\(name): \(found ?? "accepted")") } else { #expect(found == nil) }
    }

    @Test func theHookContractAndTheManifestShareIt() {
        #expect(AdjustRequestOutput.protectedHeaderNames == HeaderPolicy.protectedNames)
        let manifest = ProviderManifestTests.mutate { o in
            var e = o["ews"] as? [String: Any] ?? [:]
            e["extra_headers"] = ["Cookie": "session=1"]
            o["ews"] = e
        }
        #expect(ProviderManifestTests.problems(manifest).contains { $0.contains("ews.extra_headers.Cookie") })
    }
}
