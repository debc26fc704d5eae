import EWSTestSupport
import Foundation
import ProviderHost
import ProviderManifest
import Testing

@Suite("Hooks: calling plugins through the C ABI")
struct PluginHooksTests {
    private static let request = AdjustRequestInput(
        method: "POST", url: "https://ews.contoso.com/EWS/Exchange.asmx",
        headers: [.init(name: "Content-Type", value: "text/xml")], operation: "GetFolder", impersonatedMailbox: "alice@contoso.com")

    private func hooks(_ file: String, id: String) throws -> PluginHooks {
        let folder = try PluginFixtures.folder("hooks", with: [file])
        let registry = PluginRegistry.discover(PluginFixtures.configuration(directories: [folder]))
        try #require(registry.diagnostics.isEmpty, "\(registry.diagnostics)")
        return try #require(registry.profile(id: id)?.hooks)
    }

    @Test("a serialized plugin's hooks never overlap when called from many tasks and threads at once")
    func serializedNeverOverlaps() async throws {
        let hooks = try hooks("libgood.so", id: "fixture-good")
        #expect(!hooks.threadSafe)
        let seen = Collected<String>()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<32 {
                group.addTask {
                    if let out = try? hooks.adjustRequest(Self.request) { seen.append(out.setHeaders["X-Overlap"] ?? "?") }
                }
            }
        }
        onThreads(16) { _ in
            for _ in 0..<4 {
                if let out = try? hooks.adjustRequest(Self.request) { seen.append(out.setHeaders["X-Overlap"] ?? "?") }
            }
        }
        #expect(seen.all.count == 32 + 64)
        #expect(seen.all.allSatisfy { $0 == "0" }, "overlapping calls: \(seen.all.filter { $0 != "0" }.count)")
    }

    @Test("the overlap detector works: a thread-safe plugin is called concurrently")
    func threadSafeOverlaps() throws {
        let hooks = try hooks("libgood-thread-safe.so", id: "fixture-thread-safe")
        #expect(hooks.threadSafe)
        let seen = Collected<String>()
        onThreads(16) { _ in
            for _ in 0..<4 {
                if let out = try? hooks.adjustRequest(Self.request) { seen.append(out.setHeaders["X-Overlap"] ?? "?") }
            }
        }
        #expect(seen.all.contains("1"))
    }

    @Test("good hooks answer with typed values, and NULL means not handled")
    func goodAnswers() throws {
        let hooks = try hooks("libgood.so", id: "fixture-good")
        let adjusted = try #require(try hooks.adjustRequest(Self.request))
        #expect(adjusted.setHeaders["X-Fixture"] == "fixture-good")
        #expect(adjusted.removeHeaders == ["X-Debug"])
        #expect(adjusted.url == nil)
        let endpoint = try hooks.discoverEndpoint(DiscoverEndpointInput(emailAddress: "a@example.com", domain: "example.com"))
        #expect(endpoint == DiscoverEndpointOutput(ewsURL: "https://ews.example.com/EWS/Exchange.asmx", notes: ["from the fixture"]))
        let token = try hooks.acquireToken(AcquireTokenInput(tenant: "t", clientID: "c", clientSecret: "s", scope: "x", tokenEndpoint: "https://login/t"))
        #expect(token?.expiresIn == 3600)
        let declined = try hooks.classifyResponse(ClassifyResponseInput(checkID: "ews.server-version", httpStatus: 200, bodyExcerpt: ""))
        #expect(declined == nil)
        let classified = try hooks.classifyResponse(ClassifyResponseInput(checkID: "impersonation.out-of-scope.denied", httpStatus: 403, bodyExcerpt: ""))
        #expect(classified?.outcome == .expectedFailure)
    }

    @Test("output that is not JSON becomes a diagnostic naming the file and hook")
    func garbageOutput() throws {
        let hooks = try hooks("libgarbage-hooks.so", id: "fixture-garbage")
        let error = #expect(throws: PluginDiagnostic.self) { try hooks.adjustRequest(Self.request) }
        #expect(error?.code == .hookOutputInvalid)
        #expect(error?.path == hooks.path)
        #expect(error?.reason.contains("adjust_request returned output that is not valid JSON") == true)
    }

    @Test("JSON of the wrong shape and an unknown outcome become diagnostics")
    func wrongShape() throws {
        let hooks = try hooks("libgarbage-hooks.so", id: "fixture-garbage")
        let shape = #expect(throws: PluginDiagnostic.self) { try hooks.discoverEndpoint(DiscoverEndpointInput(emailAddress: "a@b.c", domain: "b.c")) }
        #expect(shape?.code == .hookOutputInvalid)
        #expect(shape?.reason.contains("discover_endpoint returned JSON of the wrong shape") == true)
        let outcome = #expect(throws: PluginDiagnostic.self) {
            try hooks.classifyResponse(ClassifyResponseInput(checkID: "a.b", httpStatus: 500, bodyExcerpt: ""))
        }
        #expect(outcome?.code == .hookOutputInvalid)
        #expect(outcome?.reason.contains("outcome") == true)
    }

    @Test("a hook may not set Authorization: the output is refused")
    func protectedHeader() throws {
        let hooks = try hooks("libgarbage-hooks.so", id: "fixture-garbage")
        var get = Self.request
        get.method = "GET"
        let error = #expect(throws: PluginDiagnostic.self) { try hooks.adjustRequest(get) }
        #expect(error?.code == .hookOutputRefused)
        #expect(error?.reason.contains("set_headers may not set Authorization") == true)
    }

    @Test("a bad acquire_token answer is a diagnostic that quotes neither the token nor the secret")
    func tokenNeverLogged() throws {
        let hooks = try hooks("libgarbage-hooks.so", id: "fixture-garbage")
        let error = #expect(throws: PluginDiagnostic.self) {
            try hooks.acquireToken(AcquireTokenInput(tenant: "t", clientID: "c", clientSecret: "client-secret-value", scope: "s", tokenEndpoint: "https://l/t"))
        }
        #expect(error?.code == .hookOutputInvalid)
        #expect(error?.reason.contains("secret-token-value") == false)
        #expect(error?.reason.contains("client-secret-value") == false)
        #expect(error.map { "\($0)" }?.contains("secret") == false)
    }

    @Test("discovering the same plugin twice still serialises its hooks across both registries")
    func serializedAcrossRegistries() throws {
        let folder = try PluginFixtures.folder("hooks-twice", with: ["libgood.so"])
        let first = try #require(PluginRegistry.discover(PluginFixtures.configuration(directories: [folder])).profile(id: "fixture-good")?.hooks)
        let second = try #require(PluginRegistry.discover(PluginFixtures.configuration(directories: [folder])).profile(id: "fixture-good")?.hooks)
        let seen = Collected<String>()
        onThreads(16) { i in
            let hooks = i.isMultiple(of: 2) ? first : second
            for _ in 0..<4 {
                if let out = try? hooks.adjustRequest(Self.request) { seen.append(out.setHeaders["X-Overlap"] ?? "?") }
            }
        }
        #expect(seen.all.count == 64)
        #expect(seen.all.allSatisfy { $0 == "0" })
    }
}
