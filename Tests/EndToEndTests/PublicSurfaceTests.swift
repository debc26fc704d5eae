import EWSTestSupport
import Testing

/// The public surface is what plugin authors build against, and nothing else: modules only this
/// package imports declare `package`, so a change there breaks no one outside, and the compiler
/// shows what is really shared (issue 15, point 3).
@Suite struct PublicSurfaceTests {
    /// The modules whose API is public: the profile format plugins describe themselves in, and the
    /// plugin SDK (which re-exports it).
    static let publicModules = ["Sources/ProviderManifest/", "plugins/sdk/"]

    @Test("`public` appears only in the profile format and the plugin SDK; everything else is `package` or narrower")
    func onlyThePluginAPIIsPublic() throws {
        let sources = try RepositorySources.code(under: "Sources")
        #expect(sources.count > 50)
        let declaration = /(?m)^\s*(?:@[\w.]+(?:\([^)]*\))?\s+)*(?:public|open)\s/
        let offenders = sources.filter { file in
            !Self.publicModules.contains { file.path.hasPrefix($0) } && file.text.firstMatch(of: declaration) != nil
        }.map(\.path)
        #expect(offenders.isEmpty, "public declarations outside the plugin API: \(offenders)")
        // The plugin API itself is public, so the scan above does look at something.
        let manifest = sources.filter { $0.path.hasPrefix("Sources/ProviderManifest/") }
        #expect(manifest.contains { $0.text.firstMatch(of: declaration) != nil })
    }
}
