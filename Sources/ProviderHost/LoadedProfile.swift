import ProviderManifest

/// A profile that passed every check: its manifest, where it came from, and its hooks.
package struct LoadedProfile: Sendable {
    /// What kind of file the profile came from.
    package enum Kind: String, Sendable, Hashable {
        /// A shared object speaking the plugin ABI.
        case plugin
        /// A plain manifest (JSON), no code.
        case manifestFile = "manifest-file"
    }

    /// Which step of the search order found it.
    package enum Origin: Sendable, Hashable, CustomStringConvertible {
        /// Named explicitly (`--profile-file`).
        case profileFile
        /// In a `--plugin-dir` folder.
        case pluginDirectory(String)
        /// In an `EWSCHECK_PLUGIN_PATH` folder.
        case searchPath(String)
        /// Beside the running executable.
        case executableDirectory(String)

        package var description: String {
            switch self {
            case .profileFile: return "--profile-file"
            case .pluginDirectory: return "--plugin-dir"
            case .searchPath: return PluginRegistry.searchPathVariable
            case .executableDirectory: return "executable folder"
            }
        }
    }

    /// The validated profile.
    package var manifest: ProviderManifest
    /// The file, as an absolute path.
    package var path: String
    /// Plugin or manifest file.
    package var kind: Kind
    /// Where in the search order it was found.
    package var origin: Origin
    /// The plugin's hooks (possibly none); `nil` for a manifest file.
    package var hooks: PluginHooks?

    /// The profile id.
    package var id: String { manifest.id }
}
