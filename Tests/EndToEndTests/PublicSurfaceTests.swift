import EWSTestSupport
import Testing

/// The public surface is what plugin authors build against, and nothing else: modules only this
/// package imports declare `package`, so a change there breaks no one outside, and the compiler
/// shows what is really shared (issue 15, point 3). The SDK re-exports its own small wire model
/// (plugins/wire), never a host module, so the host's internals are no plugin's API.
@Suite struct PublicSurfaceTests {
    /// The modules whose API is public: the wire model plugins and host exchange (the profile format
    /// and the hook messages), and the plugin SDK (which re-exports it).
    static let publicModules = ["plugins/wire/", "plugins/sdk/"]

    /// `public` or `open` starting a declaration, after any attributes.
    static var declaration: Regex<Substring> { /(?m)^\s*(?:@[\w.]+(?:\([^)]*\))?\s+)*(?:public|open)\s/ }

    @Test("`public` appears only in the wire model and the plugin SDK; every host module is `package` or narrower")
    func onlyThePluginAPIIsPublic() throws {
        let sources = try RepositorySources.code(under: "Sources")
        #expect(sources.count > 50)
        let offenders = sources.filter { $0.text.firstMatch(of: Self.declaration) != nil }.map(\.path)
        #expect(offenders.isEmpty, "public declarations in host modules: \(offenders)")
        // The plugin API itself is public, so the scan does look at something.
        let wire = try RepositorySources.code(under: "plugins/wire")
        #expect(wire.contains { $0.text.firstMatch(of: Self.declaration) != nil })
    }

    @Test("the built-in plugins make public only their C entry point; the SDK re-exports the wire model and no host module")
    func pluginsSeeOnlyTheWireModel() throws {
        let plugins = try RepositorySources.code(under: "plugins")
        #expect(plugins.count >= 8)
        for file in plugins where !Self.publicModules.contains(where: { file.path.hasPrefix($0) }) {
            let lines = file.text.split(separator: "\n")
            for (index, line) in lines.enumerated() where line.firstMatch(of: Self.declaration) != nil {
                #expect(index > 0 && lines[index - 1].hasPrefix("@_cdecl(\"ewscheck_plugin_entry\")"),
                        "\(file.path): public beyond the entry point: \(line)")
            }
        }
        let reexported = plugins.flatMap { file in
            file.text.split(separator: "\n").filter { $0.hasPrefix("@_exported import ") }.map { "\(file.path): \($0)" }
        }
        #expect(reexported == ["plugins/sdk/ProviderPlugin.swift: @_exported import EWSCheckPluginWire"], "\(reexported)")
        // The wire model stands alone: it imports nothing of the host.
        let wireImports = try RepositorySources.code(under: "plugins/wire").flatMap { file in
            file.text.split(separator: "\n").filter { $0.hasPrefix("import ") || $0.contains(" import ") }
        }
        #expect(Set(wireImports) == ["import Foundation"], "\(wireImports)")
    }
}
