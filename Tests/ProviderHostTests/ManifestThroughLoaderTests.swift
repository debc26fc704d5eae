import EWSTestSupport
import Foundation
import ProviderHost
import ProviderManifest
import Testing

@Suite("Manifest files: the same validation as plugins")
struct ManifestThroughLoaderTests {
    private static var valid: [String: Any] { [
        "manifest_version": 1, "id": "file-hoster", "name": "File hoster", "version": "2.0.0", "vendor": "tests",
        "discovery": ["methods": [["method": "fixed-url", "url_template": "https://ews.{domain}/EWS/Exchange.asmx"]]],
        "auth": ["schemes": ["ntlm"]],
        "ews": ["request_server_version": "Exchange2016"],
        "readiness_notices": [["id": "n1", "date": "2026-01-31", "kind": "deprecated", "summary": "Basic goes away."]],
    ] }

    private func write(_ object: Any, name: String = "profile.json") throws -> String {
        let dir = try Fixtures.temporaryDirectory("manifest")
        let path = dir + "/" + name
        try JSONSerialization.data(withJSONObject: object).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func mutated(_ change: (inout [String: Any]) -> Void) -> [String: Any] {
        var copy = Self.valid
        change(&copy)
        return copy
    }

    @Test("a valid manifest file loads as a profile without hooks")
    func validFile() throws {
        let path = try write(Self.valid)
        let registry = PluginRegistry.discover(PluginFixtures.configuration(files: [path]))
        #expect(registry.diagnostics.isEmpty)
        let profile = try #require(registry.profile(id: "file-hoster"))
        #expect(profile.kind == .manifestFile)
        #expect(profile.origin == .profileFile)
        #expect(profile.hooks == nil)
        #expect(profile.manifest.readinessNotices.first?.date == "2026-01-31")
    }

    @Test("every problem is listed by JSON path, in one diagnostic")
    func problemsByPath() throws {
        let path = try write(mutated {
            $0["id"] = "Bad Id"
            $0["docs_url"] = "http://insecure.example.com"
            $0["auth"] = ["schemes": ["oauth2-client-credentials", "magic"], "refused_schemes": ["ntlm", "oauth2-client-credentials"]]
            $0["readiness_notices"] = [["id": "n", "date": "2026-02-30", "kind": "vanished", "summary": "x"]]
            $0["ews"] = ["request_server_version": "Exchange2016", "extra_headers": ["Authorization": "x"]]
        })
        let registry = PluginRegistry.discover(PluginFixtures.configuration(files: [path]))
        #expect(registry.profiles.isEmpty)
        let d = try #require(registry.diagnostics.first)
        #expect(d.code == .invalidManifest)
        #expect(d.path == path)
        for expected in ["id: 'Bad Id'", "docs_url: must be an https URL", "auth.schemes[1]: 'magic'", "auth.oauth: is required",
                         "auth.refused_schemes[1]: 'oauth2-client-credentials' is also listed as accepted",
                         "ews.extra_headers.Authorization: may not be set by a profile",
                         "readiness_notices[0].date: '2026-02-30' is not a YYYY-MM-DD date", "readiness_notices[0].kind: 'vanished'"] {
            #expect(d.reason.contains(expected), "missing '\(expected)' in:\n\(d.reason)")
        }
    }

    @Test("a missing required key is named by its path")
    func missingKey() throws {
        let path = try write(mutated { $0["ews"] = [String: Any]() })
        let d = try #require(PluginRegistry.discover(PluginFixtures.configuration(files: [path])).diagnostics.first)
        #expect(d.code == .invalidManifest)
        #expect(d.reason.contains("ews.request_server_version: required key is missing"))
    }

    @Test("a file that is not JSON is an invalid manifest, not a crash")
    func notJSON() throws {
        let dir = try Fixtures.temporaryDirectory("manifest")
        let path = dir + "/broken.json"
        try Data("{ \"id\": ".utf8).write(to: URL(fileURLWithPath: path))
        let d = try #require(PluginRegistry.discover(PluginFixtures.configuration(files: [path])).diagnostics.first)
        #expect(d.code == .invalidManifest)
        #expect(d.reason.contains("not valid JSON"))
    }

    @Test("a missing profile file is named")
    func missingFile() throws {
        let d = try #require(PluginRegistry.discover(PluginFixtures.configuration(files: ["/nonexistent/p.json"])).diagnostics.first)
        #expect(d.code == .unreadable)
        #expect(d.path == "/nonexistent/p.json")
    }

    @Test("a manifest file comes before plugin folders, so it wins a shared id")
    func fileBeforeFolders() throws {
        let path = try write(mutated { $0["id"] = "fixture-good" })
        let folder = try PluginFixtures.folder("file-first", with: ["libgood.so"])
        let registry = PluginRegistry.discover(PluginFixtures.configuration(directories: [folder], files: [path]))
        #expect(registry.profile(id: "fixture-good")?.kind == .manifestFile)
        #expect(registry.diagnostics.map(\.code) == [.duplicateID])
        #expect(registry.diagnostics.first?.reason.contains(path) == true)
    }
}

@Suite("The discovery method plugin-hook needs the discover_endpoint hook")
struct PluginHookMethodTests {
    @Test("a manifest file listing plugin-hook is refused: it has no hooks")
    func manifestFile() throws {
        let dir = try Fixtures.temporaryDirectory("plugin-hook")
        let path = dir + "/p.json"
        let manifest: [String: Any] = [
            "manifest_version": 1, "id": "hooked", "name": "n", "version": "1", "vendor": "v",
            "discovery": ["methods": [["method": "pox-autodiscover"], ["method": "plugin-hook"]]],
            "auth": ["schemes": ["basic"]], "ews": ["request_server_version": "Exchange2016"],
        ]
        try JSONSerialization.data(withJSONObject: manifest).write(to: URL(fileURLWithPath: path))
        let d = try #require(PluginRegistry.discover(PluginFixtures.configuration(files: [path])).diagnostics.first)
        #expect(d.code == .invalidManifest)
        #expect(d.reason.contains("discovery.methods[1].method: 'plugin-hook' calls the plugin's discover_endpoint hook, and a manifest file has no hooks"))
    }
}
