import EWSTestSupport
import Foundation
import ProviderHost
import ProviderManifest
import Testing

/// The plugin author's kit of ABI 1.1: the error channel, the export macro, and plugins built against
/// the 1.0 header still loading.
@Suite("Plugin kit: error channel, export macro, old header")
struct PluginKitTests {
    private static func request(impersonating mailbox: String?) -> AdjustRequestInput {
        AdjustRequestInput(method: "POST", url: "https://ews.contoso.com/EWS/Exchange.asmx",
                           headers: [.init(name: "Content-Type", value: "text/xml")], operation: "GetFolder",
                           impersonatedMailbox: mailbox)
    }

    private func loaded(_ file: String, id: String) throws -> (PluginRegistry, PluginHooks?) {
        let folder = try PluginFixtures.folder("kit-\(id)", with: [file])
        let registry = PluginRegistry.discover(PluginFixtures.configuration(directories: [folder]))
        try #require(registry.diagnostics.isEmpty, "\(registry.diagnostics)")
        try #require(registry.profile(id: id) != nil)
        return (registry, registry.profile(id: id)?.hooks)
    }

    private func failure<T>(_ call: () throws -> T) -> PluginDiagnostic? {
        do {
            _ = try call()
            return nil
        } catch {
            return error as? PluginDiagnostic
        }
    }

    @Test("a hook's {\"error\": …} answer is a named failure, control characters blanked, with its code")
    func errorChannelNamesTheFailure() throws {
        let hooks = try #require(try loaded("liberror-channel.so", id: "fixture-error-channel").1)
        let adjust = try #require(failure { try hooks.adjustRequest(Self.request(impersonating: "alice@contoso.com")) })
        #expect(adjust.code == .hookFailed)
        #expect(adjust.reason == "adjust_request failed: the tenant directory is unreachable [directory-unreachable]")
        let discover = try #require(failure { try hooks.discoverEndpoint(DiscoverEndpointInput(emailAddress: "a@contoso.com", domain: "contoso.com")) })
        #expect(discover.code == .hookFailed)
        #expect(discover.reason == "discover_endpoint failed: no tenant for this domain")
    }

    @Test("acquire_token's error shows its code, never its message (which may quote the secret)")
    func acquireTokenErrorWithheld() throws {
        let hooks = try #require(try loaded("liberror-channel.so", id: "fixture-error-channel").1)
        let input = AcquireTokenInput(tenant: "contoso", clientID: "id", clientSecret: "s3cr3t-value", scope: "s",
                                      tokenEndpoint: "https://login.example/token")
        let d = try #require(failure { try hooks.acquireToken(input) })
        #expect(d.code == .hookFailed)
        #expect(d.reason.contains("[login-refused]"))
        #expect(!d.reason.contains("s3cr3t"))
        #expect(!d.description.contains("s3cr3t"))
    }

    @Test("an error of the wrong shape, or with an empty message, is invalid output, not a silent no-change")
    func malformedErrors() throws {
        let hooks = try #require(try loaded("liberror-channel.so", id: "fixture-error-channel").1)
        let classify = try #require(failure {
            try hooks.classifyResponse(ClassifyResponseInput(checkID: "x", httpStatus: 500, responseCode: nil, faultCode: nil, bodyExcerpt: ""))
        })
        #expect(classify.code == .hookOutputInvalid)
        #expect(classify.reason.contains("answered an \"error\" that is not"))
        let empty = try #require(failure { try hooks.adjustRequest(Self.request(impersonating: nil)) })
        #expect(empty.code == .hookOutputInvalid)
        #expect(empty.reason.contains("error.message is empty"))
    }

    @Test("with -fvisibility=hidden, the header's EWSCHECK_PLUGIN_EXPORT keeps exactly the two ABI symbols exported")
    func exportMacro() throws {
        let folder = try PluginFixtures.folder("kit-hidden", with: ["libhidden-visibility.so"])
        let registry = PluginRegistry.discover(PluginFixtures.configuration(directories: [folder]))
        #expect(registry.diagnostics.isEmpty, "\(registry.diagnostics)")
        #expect(registry.profile(id: "fixture-hidden") != nil)
        let symbols = try ChildProcess.run("/usr/bin/env", ["nm", "-D", "--defined-only", folder + "/libhidden-visibility.so"])
        try #require(symbols.status == 0, "\(symbols.stderr)")
        let names = Set(symbols.stdout.split(separator: "\n").compactMap { $0.split(separator: " ").last.map(String.init) })
        #expect(names.contains("ewscheck_plugin_abi_version"))
        #expect(names.contains("ewscheck_plugin_entry"))
        #expect(!names.contains("hidden_helper"))
    }

    @Test("a plugin built against the frozen ABI 1.0 header loads, and its hooks and NULL answers work")
    func oldHeaderPluginLoads() throws {
        let folder = try PluginFixtures.folder("kit-old", with: [PluginFixtures.oldHeader])
        let registry = PluginRegistry.discover(PluginFixtures.configuration(directories: [folder]))
        #expect(registry.diagnostics.isEmpty, "\(registry.diagnostics)")
        let hooks = try #require(registry.profile(id: "fixture-old-header")?.hooks)
        #expect(try hooks.adjustRequest(Self.request(impersonating: "alice@contoso.com"))?.setHeaders == ["X-Old-Header": "1.0"])
        #expect(try hooks.adjustRequest(Self.request(impersonating: nil)) == nil)
        // The frozen header really is the old one: no export macro, no error channel words.
        let old = try String(contentsOf: PluginFixtures.fixtureDirectory.appendingPathComponent("abi-1.0/ewscheck_plugin.h"), encoding: .utf8)
        #expect(!old.contains("EWSCHECK_PLUGIN_EXPORT"))
        #expect(old.contains("#define EWSCHECK_PLUGIN_ABI_VERSION 1u"))
    }

    @Test("today's header documents the limits the host enforces")
    func headerStatesTheLimits() throws {
        let header = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("plugins/abi/include/ewscheck_plugin.h"), encoding: .utf8)
        #expect(header.contains("#define EWSCHECK_HOOK_OUTPUT_MAX (1u << 20)"))
        #expect(header.contains("#define EWSCHECK_HOOK_BUDGET_MS 5000u"))
        #expect(PluginHooks.maximumOutputBytes == 1 << 20)
    }
}
