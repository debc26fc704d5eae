import Foundation

/// Turns a configuration into the ordered list of files to try (see `PluginRegistry.Configuration`).
struct CandidateSearch {
    struct Candidate: Equatable {
        var path: String
        var kind: LoadedProfile.Kind
        var origin: LoadedProfile.Origin
    }

    static let executableDirectoryPrefix = "libewscheck-"

    let configuration: PluginRegistry.Configuration

    func candidates(diagnostics: inout [PluginDiagnostic]) -> [Candidate] {
        var found: [Candidate] = []
        var seen = Set<String>()
        func add(_ path: String, _ kind: LoadedProfile.Kind, _ origin: LoadedProfile.Origin) {
            let real = realPath(path) ?? path
            guard seen.insert(real).inserted else { return }
            found.append(Candidate(path: path, kind: kind, origin: origin))
        }

        for file in configuration.profileFiles {
            let path = absolute(file)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
                diagnostics.append(PluginDiagnostic(.unreadable, path: path, "profile file does not exist or is a folder"))
                continue
            }
            add(path, path.hasSuffix(".json") ? .manifestFile : .plugin, .profileFile)
        }
        for directory in configuration.pluginDirectories {
            let dir = absolute(directory)
            for path in list(dir, what: "plugin folder (--plugin-dir)", diagnostics: &diagnostics, matching: { $0.hasSuffix(".so") }) {
                add(path, .plugin, .pluginDirectory(dir))
            }
        }
        for directory in configuration.searchPath {
            let dir = absolute(directory)
            for path in list(dir, what: "plugin folder (\(PluginRegistry.searchPathVariable))", diagnostics: &diagnostics, matching: { $0.hasSuffix(".so") }) {
                add(path, .plugin, .searchPath(dir))
            }
        }
        if let directory = configuration.executableDirectory {
            let dir = absolute(directory)
            var ignored: [PluginDiagnostic] = []
            let matching: (String) -> Bool = { $0.hasPrefix(Self.executableDirectoryPrefix) && $0.hasSuffix(".so") }
            for path in list(dir, what: "executable folder", diagnostics: &ignored, matching: matching) {
                add(path, .plugin, .executableDirectory(dir))
            }
        }
        return found
    }

    /// Regular files (symlinks followed) in `directory` whose names match, in byte order of their names.
    private func list(_ directory: String, what: String, diagnostics: inout [PluginDiagnostic], matching: (String) -> Bool) -> [String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            var isDirectory: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory)
            diagnostics.append(PluginDiagnostic(.unreadable, path: directory,
                "\(what) \(!exists ? "does not exist" : !isDirectory.boolValue ? "is not a folder" : "cannot be read")"))
            return []
        }
        return names.filter(matching).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.compactMap { name in
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { return nil }
            return path
        }
    }

    private func absolute(_ path: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: FileManager.default.currentDirectoryPath, isDirectory: true))
            .standardizedFileURL.path
    }

    private func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
