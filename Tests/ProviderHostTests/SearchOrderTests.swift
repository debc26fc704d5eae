import EWSTestSupport
import Foundation
@testable import ProviderHost
import Testing

@Suite("Search order: --plugin-dir, then EWSCHECK_PLUGIN_PATH, then the executable's folder")
struct SearchOrderTests {
    private func touch(_ dir: String, _ names: [String]) throws {
        for name in names { try Data("x".utf8).write(to: URL(fileURLWithPath: dir + "/" + name)) }
    }

    @Test("candidates come flag folders first, then the environment's, then the executable's; each folder in name order")
    func candidateOrder() throws {
        let flag = try Fixtures.temporaryDirectory("flag")
        let env = try Fixtures.temporaryDirectory("env")
        let exe = try Fixtures.temporaryDirectory("exe")
        try touch(flag, ["b.so", "a.so", "notes.txt"])
        try FileManager.default.createDirectory(atPath: flag + "/sub.so", withIntermediateDirectories: true)
        try touch(env, ["c.so", "libewscheck-x.so"])
        try touch(exe, ["libewscheck-y.so", "other.so", "libewscheck-z.txt"])

        var configuration = PluginRegistry.Configuration(probe: PluginFixtures.probe(), environment: ["EWSCHECK_PLUGIN_PATH": env + "::" + flag])
        configuration.pluginDirectories = [flag]
        configuration.executableDirectory = exe
        var diagnostics: [PluginDiagnostic] = []
        let found = CandidateSearch(configuration: configuration).candidates(diagnostics: &diagnostics)
        #expect(diagnostics.isEmpty)
        #expect(found.map(\.path) == [flag + "/a.so", flag + "/b.so", env + "/c.so", env + "/libewscheck-x.so", exe + "/libewscheck-y.so"])
        #expect(found.map(\.origin) == [.pluginDirectory(flag), .pluginDirectory(flag), .searchPath(env), .searchPath(env), .executableDirectory(exe)])
    }

    @Test("EWSCHECK_PLUGIN_PATH is split on colons and empty parts are dropped")
    func environmentSplit() {
        let configuration = PluginRegistry.Configuration(probe: PluginFixtures.probe(), environment: ["EWSCHECK_PLUGIN_PATH": ":/a::/b/c:"])
        #expect(configuration.searchPath == ["/a", "/b/c"])
        #expect(PluginRegistry.Configuration(probe: PluginFixtures.probe(), environment: [:]).searchPath.isEmpty)
    }

    @Test("a missing --plugin-dir is a diagnostic; a missing executable folder is not")
    func missingFolders() {
        var configuration = PluginFixtures.configuration(directories: ["/nonexistent/ewscheck-plugins"])
        configuration.executableDirectory = "/nonexistent/bin"
        var diagnostics: [PluginDiagnostic] = []
        _ = CandidateSearch(configuration: configuration).candidates(diagnostics: &diagnostics)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.code == .unreadable)
        #expect(diagnostics.first?.reason == "plugin folder (--plugin-dir) does not exist")
    }

    @Test("one id in all three places: the flag's copy wins, then the environment's, then the executable folder's")
    func firstPlaceWins() throws {
        let flag = try PluginFixtures.folder("flag", with: ["libdup-a.so"])
        let env = try PluginFixtures.folder("env", with: ["libdup-a.so"])
        let exe = try PluginFixtures.folder("exe", with: ["libdup-a.so"], renamed: ["libdup-a.so": "libewscheck-dup.so"])

        func winner(flagDirs: [String], envPath: String?) -> (LoadedProfile?, [PluginDiagnostic]) {
            var configuration = PluginRegistry.Configuration(probe: PluginFixtures.probe(),
                                                             environment: envPath.map { ["EWSCHECK_PLUGIN_PATH": $0] } ?? [:])
            configuration.pluginDirectories = flagDirs
            configuration.executableDirectory = exe
            let registry = PluginRegistry.discover(configuration)
            return (registry.profile(id: "fixture-duplicate"), registry.diagnostics)
        }

        let (all, allDiagnostics) = winner(flagDirs: [flag], envPath: env)
        #expect(all?.path == flag + "/libdup-a.so")
        #expect(all?.origin == .pluginDirectory(flag))
        #expect(allDiagnostics.map(\.code) == [.duplicateID, .duplicateID])
        #expect(allDiagnostics.map(\.path) == [env + "/libdup-a.so", exe + "/libewscheck-dup.so"])

        let (noFlag, _) = winner(flagDirs: [], envPath: env)
        #expect(noFlag?.path == env + "/libdup-a.so")
        #expect(noFlag?.origin == .searchPath(env))

        let (exeOnly, exeDiagnostics) = winner(flagDirs: [], envPath: nil)
        #expect(exeOnly?.path == exe + "/libewscheck-dup.so")
        #expect(exeOnly?.origin == .executableDirectory(exe))
        #expect(exeDiagnostics.isEmpty)
    }

    @Test("the executable's folder only offers libewscheck-*.so")
    func executableFolderPrefix() throws {
        let exe = try PluginFixtures.folder("exe-prefix", with: ["libgood.so", "libdup-a.so"], renamed: ["libdup-a.so": "libewscheck-dup.so"])
        var configuration = PluginFixtures.configuration()
        configuration.executableDirectory = exe
        let registry = PluginRegistry.discover(configuration)
        #expect(registry.profiles.map(\.id) == ["fixture-duplicate"])
        #expect(registry.diagnostics.isEmpty)
    }

    @Test("a folder reached twice yields each plugin once, without a duplicate diagnostic")
    func sameFolderTwice() throws {
        let folder = try PluginFixtures.folder("twice", with: ["libgood.so"])
        var configuration = PluginRegistry.Configuration(probe: PluginFixtures.probe(), environment: ["EWSCHECK_PLUGIN_PATH": folder])
        configuration.pluginDirectories = [folder, folder + "/"]
        configuration.executableDirectory = nil
        let registry = PluginRegistry.discover(configuration)
        #expect(registry.profiles.map(\.id) == ["fixture-good"])
        #expect(registry.diagnostics.isEmpty)
    }

    @Test("the Swift profile plugins built beside the tests export both symbols through the SDK and load")
    func swiftPluginsBesideTheTests() throws {
        let beside = URL(fileURLWithPath: Fixtures.executable).deletingLastPathComponent().path
        var configuration = PluginFixtures.configuration()
        configuration.executableDirectory = beside
        let registry = PluginRegistry.discover(configuration)
        #expect(registry.diagnostics.isEmpty, "\(registry.diagnostics)")
        #expect(Set(registry.profiles.map(\.id)).isSuperset(of: ["exchange-online", "exchange-onprem", "generic-hoster"]))
        #expect(registry.profiles.allSatisfy { $0.kind == .plugin && $0.origin == .executableDirectory(beside) })
    }
}
