import EWSTestSupport
import Foundation
import Testing

/// `ewscheck run --list-checks`, the selection flags and the profile checks made before anything
/// is sent, through the real binary.
@Suite struct CheckSelectionCommandLineTests {
    static func target(_ dir: String, auth: String = "ntlm") throws -> String {
        let file = dir + "/t.yaml"
        try """
            ews_url: https://mail.contoso.invalid/EWS/Exchange.asmx
            service_account: {username: svc, auth: \(auth), password_env: EWSCHECK_E2E_UNUSED}
            mailboxes: [a@contoso.invalid]
            """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    static func profile(_ dir: String, deviation: String, schemes: [String] = ["ntlm"], refused: [String] = []) throws -> String {
        let file = dir + "/profile.json"
        let object: [String: Any] = [
            "manifest_version": 1, "id": "e2e-hoster", "name": "E2E", "version": "1.0.0", "vendor": "tests",
            "discovery": ["methods": [["method": "pox-autodiscover"]]],
            "auth": ["schemes": schemes, "refused_schemes": refused], "ews": ["request_server_version": "Exchange2016"],
            "known_deviations": [["check": deviation, "reason": "a reason"]],
        ]
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: file))
        return file
    }

    @Test func listChecksPrintsEveryCheckWithItsRequirement() throws {
        let text = try CommandLineTests.run(["run", "--list-checks"])
        #expect(text.status == 0, "\(text.stderr)")
        for id in ["ews.endpoint.reachable", "voicemail.deliver", "suite.cleanup.complete", "auth.must-fail.expired-token"] {
            #expect(text.stdout.contains("\(id)  ["), "lists \(id)")
        }
        #expect(text.stdout.contains("requires: "))
        let json = try CommandLineTests.run(["run", "--list-checks", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect((object["checks"] as? [Any])?.count ?? 0 > 20)
        #expect(object["version"] is String && object["fingerprint"] is String)
    }

    @Test func aSelectionPatternThatSelectsNothingIsAUsageError() throws {
        let dir = try Fixtures.temporaryDirectory("e2e-select")
        let r = try CommandLineTests.run(["run", "--target", try Self.target(dir), "--only", "voicemial.*"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("'voicemial.*' selects no check"), "\(r.stderr)")
    }

    @Test func aMailboxTheTargetDoesNotHaveIsAUsageError() throws {
        let dir = try Fixtures.temporaryDirectory("e2e-mailbox")
        let r = try CommandLineTests.run(["run", "--target", try Self.target(dir), "--mailbox", "zed@contoso.invalid"],
                                         environment: ["EWSCHECK_E2E_UNUSED": "x"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("zed@contoso.invalid is not one of the target's mailboxes"), "\(r.stderr)")
    }

    @Test func aKnownDeviationForAnUnknownCheckIsNamedAtProfileLoad() throws {
        let dir = try Fixtures.temporaryDirectory("e2e-deviation")
        let r = try CommandLineTests.run(["run", "--target", try Self.target(dir), "--profile", try Self.profile(dir, deviation: "voicemail.mesage-waiting"),
                                          "--reports-dir", dir + "/reports"], environment: ["EWSCHECK_E2E_UNUSED": "x"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("'voicemail.mesage-waiting'"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/reports"), "nothing was run")
    }

    @Test func aTargetWhoseSchemeTheProfileRefusesIsRefusedBeforeTheRun() throws {
        let dir = try Fixtures.temporaryDirectory("e2e-mismatch")
        let profile = try Self.profile(dir, deviation: "voicemail.message-waiting", schemes: ["basic"], refused: ["ntlm"])
        let r = try CommandLineTests.run(["run", "--target", try Self.target(dir), "--profile", profile, "--reports-dir", dir + "/reports"],
                                         environment: ["EWSCHECK_E2E_UNUSED": "x"])
        #expect(r.status == 64)
        #expect(r.stderr.contains("which the e2e-hoster profile refuses"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/reports"))
    }

    @Test(arguments: ["exchange-online", "exchange-onprem", "generic-hoster"])
    func builtInProfilesNameOnlyKnownChecksAndShowWhatIsEnforced(_ id: String) throws {
        let r = try CommandLineTests.run(["plugins", "inspect", id])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("UNKNOWN CHECK"), "\(r.stdout)")
        #expect(r.stdout.contains("Enforced fields"))
        #expect(r.stdout.contains("auth.refused_schemes: auth.refused-schemes") || !r.stdout.contains("must be refused"))
        if id == "generic-hoster" {
            #expect(r.stdout.contains("expected signature:") && !r.stdout.contains("no signature"), "built-in deviations state their signature")
        }
    }
}
