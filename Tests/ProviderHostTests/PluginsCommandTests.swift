import EWSTestSupport
import Foundation
import Testing

/// `ewscheck plugins ...`, run as a user runs it.
@Suite("ewscheck plugins: the command line")
struct PluginsCommandTests {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private func ewscheck(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let r = try ChildProcess.run(Fixtures.executable, arguments, environment: environment, removing: ["EWSCHECK_PLUGIN_PATH"])
        return Result(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    @Test("verify passes the C example plugin with exit 0")
    func verifyGood() throws {
        let folder = try PluginFixtures.folder("verify", with: [PluginFixtures.cExample])
        let r = try ewscheck(["plugins", "verify", folder + "/" + PluginFixtures.cExample])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("PASS  hook adjust_request answers a sample input with valid JSON within 5 s: sets X-Hoster-Tenant"))
        #expect(r.stdout.contains("result: PASS"))
    }

    @Test("verify fails a plugin whose hooks answer garbage, with exit 1 and the reason per hook")
    func verifyGarbage() throws {
        let folder = try PluginFixtures.folder("verify", with: ["libgarbage-hooks.so"])
        let r = try ewscheck(["plugins", "verify", folder + "/libgarbage-hooks.so"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("FAIL  hook adjust_request"))
        #expect(r.stdout.contains("FAIL  hook classify_response"))
        #expect(!r.stdout.contains("secret-token-value"))
        #expect(r.stdout.contains("result: FAIL"))
    }

    @Test("verify reports a crashing entry point with its signal and exit 1")
    func verifyCrash() throws {
        let folder = try PluginFixtures.folder("verify", with: ["libentry-segv.so"])
        let r = try ewscheck(["plugins", "verify", folder + "/libentry-segv.so"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("SIGSEGV"))
        #expect(r.stdout.contains("FAIL  manifest is valid: not reached"))
    }

    @Test("list --json names loaded profiles and diagnostics with codes")
    func listJSON() throws {
        let folder = try PluginFixtures.folder("list", with: [PluginFixtures.cExample, "libwrong-version.so"])
        let r = try ewscheck(["plugins", "list", "--json", "--plugin-dir", folder])
        #expect(r.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let profiles = try #require(object["profiles"] as? [[String: Any]])
        let diagnostics = try #require(object["diagnostics"] as? [[String: Any]])
        let c = try #require(profiles.first { $0["id"] as? String == "c-hoster" })
        #expect(c["origin"] as? String == "--plugin-dir")
        #expect(c["hooks"] as? [String] == ["adjust_request"])
        #expect(c["hook_threading"] as? String == "thread-safe")
        #expect(diagnostics.first?["code"] as? String == "abi-version-mismatch")
        #expect(diagnostics.first?["path"] as? String == folder + "/libwrong-version.so")
    }

    @Test("EWSCHECK_PLUGIN_PATH is searched")
    func environmentVariable() throws {
        let folder = try PluginFixtures.folder("env-list", with: ["libgood.so"])
        let r = try ewscheck(["plugins", "list"], environment: ["EWSCHECK_PLUGIN_PATH": folder])
        #expect(r.status == 0)
        #expect(r.stdout.contains("fixture-good"))
    }

    @Test("inspect shows discovery plan, auth, EWS expectations, deviations and dated notices")
    func inspect() throws {
        let folder = try PluginFixtures.folder("inspect", with: [PluginFixtures.cExample])
        let r = try ewscheck(["plugins", "inspect", "c-hoster", "--plugin-dir", folder])
        #expect(r.status == 0, "\(r.stderr)")
        for expected in ["Example hoster (C plugin) (c-hoster 1.0.0)", "Discovery plan", "1. fixed-url https://ews.{domain}/EWS/Exchange.asmx",
                         "must be refused: digest", "RequestServerVersion: Exchange2016", "required headers: X-Hoster-Tenant",
                         "impersonation.out-of-scope.denied:", "2026-06-30 ("] {
            #expect(r.stdout.contains(expected), "missing '\(expected)' in:\n\(r.stdout)")
        }
    }

    @Test("inspect of an unknown id is a usage error (exit 64) and says so")
    func inspectUnknown() throws {
        let r = try ewscheck(["plugins", "inspect", "no-such-profile", "--plugin-dir", try Fixtures.temporaryDirectory("empty")])
        #expect(r.status == 64)
        #expect(r.stderr.contains("no usable profile 'no-such-profile'"))
    }

    @Test("the probe command is hidden from help")
    func probeHidden() throws {
        let r = try ewscheck(["plugins", "--help"])
        #expect(r.stdout.contains("verify"))
        let subcommands = r.stdout.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(subcommands.contains { $0.hasPrefix("verify") })
        #expect(!subcommands.contains { $0.hasPrefix("probe") })
    }
}
