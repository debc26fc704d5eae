import Foundation
import ProviderManifest
import Testing

@Suite struct ProviderManifestTests {
    static let valid = """
        {
          "manifest_version": 1, "id": "acme-hosting", "name": "ACME Hosted Exchange", "version": "2.1.0", "vendor": "ACME",
          "docs_url": "https://acme.example/ews",
          "discovery": {"methods": [{"method": "pox-autodiscover"}, {"method": "fixed-url", "url_template": "https://ews.{domain}/EWS/Exchange.asmx"}]},
          "auth": {"schemes": ["basic", "ntlm"], "refused_schemes": ["digest"]},
          "ews": {"request_server_version": "Exchange2013_SP1", "minimum_server_version": "15.0.1497", "required_headers": ["X-AnchorMailbox"],
                  "extra_headers": {"X-Tenant": "acme"}, "max_concurrency": 8},
          "capabilities": ["pull-notifications"],
          "known_deviations": [{"check": "voicemail.message-waiting", "reason": "no UnreadCount", "link": "https://acme.example/kb/1"}],
          "readiness_notices": [{"id": "acme-basic-off", "date": "2027-01-31", "kind": "removed", "summary": "Basic auth goes away."}]
        }
        """

    static func problems(_ json: String) -> [String] {
        do {
            _ = try ProviderManifest.parse(Data(json.utf8))
            return []
        } catch {
            return error.errors.map(\.description)
        }
    }

    static func mutate(_ change: (inout [String: Any]) -> Void) -> String {
        var object = (try? JSONSerialization.jsonObject(with: Data(valid.utf8))) as? [String: Any] ?? [:]
        change(&object)
        return String(decoding: (try? JSONSerialization.data(withJSONObject: object)) ?? Data(), as: UTF8.self)
    }

    @Test func aCompleteManifestParsesWithEveryField() throws {
        let m = try ProviderManifest.parse(Data(Self.valid.utf8))
        #expect(m.id == "acme-hosting")
        #expect(m.discovery.methods.map(\.method) == ["pox-autodiscover", "fixed-url"])
        #expect(m.ews.connectingSID == "primary-smtp-address", "defaults apply")
        #expect(m.ews.extraHeaders == ["X-Tenant": "acme"])
        #expect(m.knownDeviations.first?.check == "voicemail.message-waiting")
        #expect(m.readinessNotices.first.flatMap { ProviderManifest.day($0.date) } != nil)
        #expect(m.simulatorFlavor == nil)
    }

    @Test func encodingAndParsingRoundTrip() throws {
        let m = try ProviderManifest.parse(Data(Self.valid.utf8))
        #expect(try ProviderManifest.parse(m.jsonData()) == m)
    }

    @Test func optionalListsMayBeLeftOut() throws {
        let minimal = #"{"manifest_version":1,"id":"mini","name":"Mini","version":"1","vendor":"v","discovery":{"methods":[{"method":"pox-autodiscover"}]},"auth":{"schemes":["ntlm"]},"ews":{"request_server_version":"Exchange2016"}}"#
        let m = try ProviderManifest.parse(Data(minimal.utf8))
        #expect(m.knownDeviations.isEmpty && m.readinessNotices.isEmpty && m.capabilities.isEmpty && m.auth.refusedSchemes.isEmpty)
    }

    @Test(arguments: [
        ("unknown top-level key", { @Sendable (o: inout [String: Any]) in o["colour"] = "blue" }, "colour: unknown key"),
        ("unknown nested key", { @Sendable (o: inout [String: Any]) in var e = o["ews"] as! [String: Any]; e["request_version"] = "x"; o["ews"] = e }, "ews.request_version: unknown key"),
        ("missing id", { @Sendable (o: inout [String: Any]) in o["id"] = nil }, "id: required key is missing"),
        ("bad id", { @Sendable (o: inout [String: Any]) in o["id"] = "ACME Hosting" }, "id:"),
        ("wrong type", { @Sendable (o: inout [String: Any]) in o["version"] = 2 }, "version: must be a string"),
        ("manifest version", { @Sendable (o: inout [String: Any]) in o["manifest_version"] = 2 }, "manifest_version: must be 1"),
        ("no discovery", { @Sendable (o: inout [String: Any]) in o["discovery"] = ["methods": []] }, "discovery.methods: must list at least one method"),
        ("unknown method", { @Sendable (o: inout [String: Any]) in o["discovery"] = ["methods": [["method": "carrier-pigeon"]]] }, "discovery.methods[0].method"),
        ("http fixed url", { @Sendable (o: inout [String: Any]) in o["discovery"] = ["methods": [["method": "fixed-url", "url_template": "http://x/EWS/Exchange.asmx"]]] }, "must start with https://"),
        ("unknown scheme", { @Sendable (o: inout [String: Any]) in o["auth"] = ["schemes": ["kerberos5"]] }, "auth.schemes[0]"),
        ("accepted and refused", { @Sendable (o: inout [String: Any]) in o["auth"] = ["schemes": ["basic"], "refused_schemes": ["basic"]] }, "also listed as accepted"),
        ("oauth without settings", { @Sendable (o: inout [String: Any]) in o["auth"] = ["schemes": ["oauth2-client-credentials"]] }, "auth.oauth: is required"),
        ("bad request version", { @Sendable (o: inout [String: Any]) in var e = o["ews"] as! [String: Any]; e["request_server_version"] = "Exchange 2016"; o["ews"] = e }, "ews.request_server_version"),
        ("authorization header", { @Sendable (o: inout [String: Any]) in var e = o["ews"] as! [String: Any]; e["extra_headers"] = ["Authorization": "Basic x"]; o["ews"] = e }, "may not be set by a profile"),
        ("header injection", { @Sendable (o: inout [String: Any]) in var e = o["ews"] as! [String: Any]; e["extra_headers"] = ["X-A": "a\r\nX-B: b"]; o["ews"] = e }, "line breaks"),
        ("bad deviation id", { @Sendable (o: inout [String: Any]) in o["known_deviations"] = [["check": "Voicemail", "reason": "r"]] }, "known_deviations[0].check"),
        ("duplicate deviation", { @Sendable (o: inout [String: Any]) in o["known_deviations"] = [["check": "a.b", "reason": "r"], ["check": "a.b", "reason": "s"]] }, "listed twice"),
        ("newline in id", { @Sendable (o: inout [String: Any]) in o["id"] = "acme\n" }, "id:"),
        ("header name with newline", { @Sendable (o: inout [String: Any]) in var e = o["ews"] as! [String: Any]; e["extra_headers"] = ["X-A\nX-B": "b"]; o["ews"] = e }, "ews.extra_headers"),
        ("request version with newline", { @Sendable (o: inout [String: Any]) in var e = o["ews"] as! [String: Any]; e["request_server_version"] = "Exchange2016\n"; o["ews"] = e }, "ews.request_server_version"),
        ("unknown key set to null", { @Sendable (o: inout [String: Any]) in o["typo"] = NSNull() }, "typo: unknown key"),
        ("http link", { @Sendable (o: inout [String: Any]) in o["known_deviations"] = [["check": "a.b", "reason": "r", "link": "http://x"]] }, "known_deviations[0].link"),
        ("bad date", { @Sendable (o: inout [String: Any]) in o["readiness_notices"] = [["id": "x", "date": "2026-02-30", "kind": "removed", "summary": "s"]] }, "readiness_notices[0].date"),
    ] as [(String, @Sendable (inout [String: Any]) -> Void, String)])
    func everyProblemIsNamedByPath(_ name: String, _ change: @Sendable (inout [String: Any]) -> Void, _ expected: String) {
        let problems = Self.problems(Self.mutate(change))
        #expect(problems.contains { $0.contains(expected) }, "\(name): \(problems)")
    }

    @Test func notJSONOrNotAnObjectIsRefused() {
        #expect(Self.problems("{ not json").first?.contains("not valid JSON") == true)
        #expect(Self.problems("[1,2]").first?.contains("JSON object") == true)
    }

    @Test func severalProblemsAreReportedTogether() {
        let json = Self.mutate { o in
            o["id"] = "Bad Id"
            o["colour"] = "blue"
            o["readiness_notices"] = [["id": "x", "date": "soon", "kind": "gone", "summary": "s"]]
        }
        #expect(Self.problems(json).count >= 4)
    }
}
