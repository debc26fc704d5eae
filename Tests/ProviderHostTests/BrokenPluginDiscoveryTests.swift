import EWSTestSupport
import Foundation
import ProviderHost
import ProviderManifest
import Testing

/// One folder holding every kind of broken plugin next to good ones, discovered once.
@Suite("Discovery: a folder of broken plugins")
struct BrokenPluginDiscoveryTests {
    /// Discovered once for the whole suite (the hanging fixture costs one probe timeout).
    static let discovered: Result<(PluginRegistry, String, Duration), FixtureError> = {
        do {
            let folder = try PluginFixtures.folder("all-plugins", with: PluginFixtures.allFiles)
            let clock = ContinuousClock()
            let start = clock.now
            let registry = PluginRegistry.discover(PluginFixtures.configuration(directories: [folder], timeout: .seconds(3)))
            return .success((registry, folder, clock.now - start))
        } catch let error as FixtureError {
            return .failure(error)
        } catch {
            return .failure(FixtureError("\(error)"))
        }
    }()

    private func diagnostic(_ file: String) throws -> PluginDiagnostic {
        let (registry, folder, _) = try Self.discovered.get()
        let matching = registry.diagnostics.filter { $0.path == folder + "/" + file }
        try #require(matching.count == 1, "expected one diagnostic for \(file), got \(matching.count): \(registry.diagnostics)")
        return matching[0]
    }

    @Test("the good plugins load: the C example, the good fixture, the first duplicate")
    func goodOnesLoad() throws {
        let (registry, folder, _) = try Self.discovered.get()
        #expect(Set(registry.profiles.map(\.id)) == ["c-hoster", "fixture-good", "fixture-thread-safe", "fixture-garbage", "fixture-duplicate"])
        #expect(registry.profile(id: "c-hoster")?.path == folder + "/" + PluginFixtures.cExample)
        #expect(registry.profile(id: "c-hoster")?.kind == .plugin)
        #expect(registry.profile(id: "fixture-good")?.hooks?.provided == [.adjustRequest, .discoverEndpoint, .acquireToken, .classifyResponse])
    }

    @Test("every broken file has exactly one diagnostic, and no good file has one")
    func oneDiagnosticPerBrokenFile() throws {
        let (registry, folder, _) = try Self.discovered.get()
        let broken = Set(PluginFixtures.allFiles).subtracting([PluginFixtures.cExample, "libgood.so", "libgood-thread-safe.so", "libgarbage-hooks.so", "libdup-a.so"])
        #expect(Set(registry.diagnostics.map(\.path)) == Set(broken.map { folder + "/" + $0 }))
        #expect(registry.diagnostics.count == broken.count)
    }

    @Test("the host survived every crash and hang, and still calls the good plugin's hooks")
    func hostSurvived() throws {
        let (registry, _, elapsed) = try Self.discovered.get()
        let hooks = try #require(registry.profile(id: "c-hoster")?.hooks)
        let out = try hooks.adjustRequest(AdjustRequestInput(method: "POST", url: "https://ews.contoso.com/EWS/Exchange.asmx", headers: [],
                                                            operation: "GetFolder", impersonatedMailbox: "alice@contoso.com"))
        #expect(out?.setHeaders == ["X-Hoster-Tenant": "contoso.com"])
        // Probes run concurrently: the whole folder costs about one timeout, not one per broken plugin.
        #expect(elapsed < .seconds(12))
    }

    @Test("a truncated ELF is named as truncated, with its size")
    func truncated() throws {
        let d = try diagnostic(PluginFixtures.truncated)
        #expect(d.code == .truncatedELF)
        #expect(d.reason.contains("truncated ELF: the file is 5000 bytes"))
    }

    @Test("a text file named .so is not an ELF file")
    func notELF() throws {
        let d = try diagnostic(PluginFixtures.notELF)
        #expect(d.code == .notELF)
        #expect(d.reason.contains("not an ELF file"))
    }

    @Test("a missing ewscheck_plugin_abi_version is named, and the entry point (which aborts) never ran")
    func missingVersion() throws {
        let d = try diagnostic("libno-version.so")
        #expect(d.code == .missingVersionSymbol)
        #expect(d.reason.contains("does not export ewscheck_plugin_abi_version"))
    }

    @Test("a wrong ABI version names both numbers, and the entry point (which aborts) never ran")
    func wrongVersion() throws {
        let d = try diagnostic("libwrong-version.so")
        #expect(d.code == .abiVersionMismatch)
        #expect(d.reason.contains("ABI version 2"))
        #expect(d.reason.contains("ABI version 1"))
    }

    @Test("a missing entry point is named")
    func missingEntry() throws {
        let d = try diagnostic("libno-entry.so")
        #expect(d.code == .missingEntry)
        #expect(d.reason.contains("not ewscheck_plugin_entry"))
    }

    @Test("an entry point returning NULL is a refusal of this host's ABI version")
    func entryNull() throws {
        let d = try diagnostic("libentry-null.so")
        #expect(d.code == .entryRefused)
        #expect(d.reason.contains("returned NULL"))
    }

    @Test("an entry point that aborts is reported with SIGABRT")
    func entryAbort() throws {
        let d = try diagnostic("libentry-abort.so")
        #expect(d.code == .entryCrashed)
        #expect(d.reason.contains("SIGABRT"))
    }

    @Test("an entry point that dereferences NULL is reported with SIGSEGV")
    func entrySegv() throws {
        let d = try diagnostic("libentry-segv.so")
        #expect(d.code == .entryCrashed)
        #expect(d.reason.contains("SIGSEGV"))
    }

    @Test("an entry point that calls exit() is reported with its status")
    func entryExit() throws {
        let d = try diagnostic("libentry-exit.so")
        #expect(d.code == .entryCrashed)
        #expect(d.reason.contains("exit status 3"))
    }

    @Test("an entry point that never returns is reported as hung after the timeout")
    func entryHang() throws {
        let d = try diagnostic("libentry-hang.so")
        #expect(d.code == .entryHung)
        #expect(d.reason.contains("did not return within 3 s"))
    }

    @Test("a static initializer that crashes is reported as a crash while loading")
    func constructorCrash() throws {
        let d = try diagnostic("libctor-crash.so")
        #expect(d.code == .loadCrashed)
        #expect(d.reason.contains("inside dlopen"))
        #expect(d.reason.contains("SIGSEGV"))
    }

    @Test("a struct_size smaller than the version-1 descriptor names both sizes")
    func smallStruct() throws {
        let d = try diagnostic("libsmall-struct.so")
        #expect(d.code == .descriptorTooSmall)
        #expect(d.reason.contains("struct_size is 8 bytes"))
        #expect(d.reason.contains("88 bytes"))
    }

    @Test("hooks without free_string make the descriptor invalid")
    func noFree() throws {
        let d = try diagnostic("libno-free.so")
        #expect(d.code == .descriptorInvalid)
        #expect(d.reason.contains("free_string is NULL"))
    }

    @Test("an invalid manifest lists every problem by JSON path")
    func invalidManifest() throws {
        let d = try diagnostic("libbad-manifest.so")
        #expect(d.code == .invalidManifest)
        for expected in ["colour: unknown key", "auth.schemes[0]: 'kerberos'", "ews.request_server_version: 'Exchange2099X'", "ews.max_concurrency: must be 1...64"] {
            #expect(d.reason.contains(expected), "missing \(expected) in \(d.reason)")
        }
    }

    @Test("a plugin_id that differs from the manifest id names both")
    func idMismatch() throws {
        let d = try diagnostic("libid-mismatch.so")
        #expect(d.code == .idMismatch)
        #expect(d.reason.contains("'fixture-left'"))
        #expect(d.reason.contains("'fixture-right'"))
    }

    @Test("of two plugins with one id the first wins and the second's diagnostic names both files")
    func duplicateID() throws {
        let (registry, folder, _) = try Self.discovered.get()
        #expect(registry.profile(id: "fixture-duplicate")?.path == folder + "/libdup-a.so")
        let d = try diagnostic("libdup-b.so")
        #expect(d.code == .duplicateID)
        #expect(d.reason.contains(folder + "/libdup-a.so"))
        #expect(d.path == folder + "/libdup-b.so")
    }
}
