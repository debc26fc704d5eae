// The loading steps of plugins/abi/include/ewscheck_plugin.h, in its order, stopping at the first
// problem. The probe child runs them first (where a crash or hang costs nothing); the host runs the
// same code again in-process only for candidates that probed clean.

internal import CEWSCheckPlugin
import Foundation
import ProviderManifest

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// A plugin whose descriptor passed every check. The image is never unloaded (RTLD_NODELETE, no dlclose).
struct PluginImage: @unchecked Sendable {
    // @unchecked: the descriptor is immutable and lives as long as the process (the ABI's contract).

    /// Where the loading stands; the probe child reports each stage before entering it, so a crash or
    /// hang is attributed to the step that caused it.
    enum Stage: String, Codable, Sendable {
        case elfCheck = "elf-check"
        case dlopen
        case versionSymbol = "version-symbol"
        case entry
        case descriptor
        case manifest
        case hook
    }

    /// The ABI version this host speaks.
    static let hostABIVersion: UInt32 = EWSCHECK_PLUGIN_ABI_VERSION
    /// The size of the version-1 descriptor.
    static let descriptorSize = MemoryLayout<ewscheck_plugin_descriptor>.size
    /// Longest manifest JSON accepted.
    static let maximumManifestBytes = 1 << 20

    let path: String
    let descriptor: UnsafePointer<ewscheck_plugin_descriptor>
    let manifest: ProviderManifest
    let pluginVersion: String
    let threadSafe: Bool
    let hooks: [PluginHookName]

    /// Runs steps 1-5 of the header on `path`. `stage` is called before each step.
    static func load(path: String, stage: (Stage) -> Void = { _ in }) -> Result<PluginImage, PluginDiagnostic> {
        stage(.elfCheck)
        if let problem = ELFPrecheck.check(path: path) { return .failure(problem) }

        // 1. dlopen
        stage(.dlopen)
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            let message = dlerror().map { String(cString: $0) } ?? "unknown error"
            return .failure(dlopenDiagnostic(path: path, message: message))
        }

        // 2. the version symbol, read before anything of the plugin runs
        stage(.versionSymbol)
        guard let versionSymbol = dlsym(handle, EWSCHECK_PLUGIN_ABI_VERSION_SYMBOL) else {
            return .failure(PluginDiagnostic(.missingVersionSymbol, path: path,
                "does not export \(EWSCHECK_PLUGIN_ABI_VERSION_SYMBOL) (a const uint32_t): it was not built as an ewscheck plugin, "
                + "or the symbol was hidden or stripped (a Swift plugin gets it from the SDK, a C plugin defines it)"))
        }
        let pluginABI = versionSymbol.load(as: UInt32.self)
        guard pluginABI == hostABIVersion else {
            return .failure(PluginDiagnostic(.abiVersionMismatch, path: path,
                "was built for plugin ABI version \(pluginABI), but this host speaks ABI version \(hostABIVersion); rebuild it against this ewscheck's plugins/abi header"))
        }

        // 3. the entry point
        stage(.entry)
        guard let entrySymbol = dlsym(handle, EWSCHECK_PLUGIN_ENTRY_SYMBOL) else {
            return .failure(PluginDiagnostic(.missingEntry, path: path,
                "exports \(EWSCHECK_PLUGIN_ABI_VERSION_SYMBOL) but not \(EWSCHECK_PLUGIN_ENTRY_SYMBOL) (in Swift: @_cdecl(\"\(EWSCHECK_PLUGIN_ENTRY_SYMBOL)\") on a public function)"))
        }
        let entry = unsafeBitCast(entrySymbol, to: ewscheck_plugin_entry_fn.self)
        guard let descriptor = entry(hostABIVersion) else {
            return .failure(PluginDiagnostic(.entryRefused, path: path,
                "\(EWSCHECK_PLUGIN_ENTRY_SYMBOL)(\(hostABIVersion)) returned NULL: the plugin refuses this host's ABI version \(hostABIVersion)"))
        }

        // 4. the descriptor: size first, so no field past what the plugin allocated is read
        stage(.descriptor)
        let structSize = UnsafeRawPointer(descriptor).load(fromByteOffset: 4, as: UInt32.self)
        guard Int(structSize) >= descriptorSize else {
            return .failure(PluginDiagnostic(.descriptorTooSmall, path: path,
                "descriptor struct_size is \(structSize) bytes, smaller than the version-1 ewscheck_plugin_descriptor (\(descriptorSize) bytes)"))
        }
        let d = descriptor.pointee
        var problems: [String] = []
        if d.abi_version != pluginABI {
            problems.append("abi_version is \(d.abi_version) but \(EWSCHECK_PLUGIN_ABI_VERSION_SYMBOL) is \(pluginABI)")
        }
        let pluginID = string(d.plugin_id, field: "plugin_id", limit: 256, problems: &problems)
        let pluginVersion = string(d.plugin_version, field: "plugin_version", limit: 256, problems: &problems)
        let manifestJSON = string(d.manifest_json, field: "manifest_json", limit: maximumManifestBytes, problems: &problems)
        if d.hook_threading != EWSCHECK_HOOKS_SERIALIZED && d.hook_threading != EWSCHECK_HOOKS_THREAD_SAFE {
            problems.append("hook_threading is \(d.hook_threading), not EWSCHECK_HOOKS_SERIALIZED (0) or EWSCHECK_HOOKS_THREAD_SAFE (1)")
        }
        var hooks: [PluginHookName] = []
        if d.adjust_request != nil { hooks.append(.adjustRequest) }
        if d.discover_endpoint != nil { hooks.append(.discoverEndpoint) }
        if d.acquire_token != nil { hooks.append(.acquireToken) }
        if d.classify_response != nil { hooks.append(.classifyResponse) }
        if !hooks.isEmpty && d.free_string == nil {
            problems.append("free_string is NULL but the plugin provides hooks (\(hooks.map(\.rawValue).joined(separator: ", ")))")
        }
        guard problems.isEmpty, let pluginID, let pluginVersion, let manifestJSON else {
            return .failure(PluginDiagnostic(.descriptorInvalid, path: path, "invalid descriptor: " + problems.joined(separator: "; ")))
        }

        // 5. the manifest, then the descriptor's id and version against it
        stage(.manifest)
        let manifest: ProviderManifest
        do {
            manifest = try ProviderManifest.parse(Data(manifestJSON.utf8))
        } catch {
            return .failure(invalidManifest(path: path, error, what: "manifest_json"))
        }
        guard pluginID == manifest.id else {
            return .failure(PluginDiagnostic(.idMismatch, path: path,
                "descriptor plugin_id is '\(pluginID)' but the manifest's id is '\(manifest.id)'; they must be equal"))
        }
        guard pluginVersion == manifest.version else {
            return .failure(PluginDiagnostic(.versionMismatch, path: path,
                "descriptor plugin_version is '\(pluginVersion)' but the manifest's version is '\(manifest.version)'; they must be equal"))
        }
        if let problem = pluginHookProblem(manifest, hooks: hooks, path: path, what: "manifest_json") { return .failure(problem) }
        return .success(PluginImage(path: path, descriptor: descriptor, manifest: manifest, pluginVersion: pluginVersion,
                                    threadSafe: d.hook_threading == EWSCHECK_HOOKS_THREAD_SAFE, hooks: hooks))
    }

    /// The diagnostic for manifest problems: every path-named problem, in document order.
    static func invalidManifest(path: String, _ errors: ManifestErrors, what: String) -> PluginDiagnostic {
        let list = errors.errors.map { "  - \($0.description)" }.joined(separator: "\n")
        let count = errors.errors.count
        return PluginDiagnostic(.invalidManifest, path: path, "invalid manifest (\(what)), \(count) problem\(count == 1 ? "" : "s"):\n\(list)")
    }

    /// The discovery method `plugin-hook` calls the plugin's `discover_endpoint`; a profile that lists it
    /// without providing the hook (or a manifest file, which has no hooks) could never run it.
    static func pluginHookProblem(_ manifest: ProviderManifest, hooks: [PluginHookName], path: String, what: String) -> PluginDiagnostic? {
        guard !hooks.contains(.discoverEndpoint),
              let index = manifest.discovery.methods.firstIndex(where: { $0.method == "plugin-hook" }) else { return nil }
        let why = what == "manifest file" ? "a manifest file has no hooks" : "this plugin does not provide it"
        return invalidManifest(path: path, ManifestErrors([ManifestError(path: "discovery.methods[\(index)].method",
            "'plugin-hook' calls the plugin's discover_endpoint hook, and \(why)")]), what: what)
    }

    private static func dlopenDiagnostic(path: String, message: String) -> PluginDiagnostic {
        // dlerror() starts with the path; keep only what it says about it.
        var detail = message
        if let range = detail.range(of: path + ": ") { detail.removeSubrange(detail.startIndex..<range.upperBound) }
        if detail.contains("file too short") {
            return PluginDiagnostic(.truncatedELF, path: path, "truncated ELF: dlopen failed: \(detail)")
        }
        if detail.contains("invalid ELF header") {
            return PluginDiagnostic(.notELF, path: path, "not an ELF shared object: dlopen failed: \(detail)")
        }
        return PluginDiagnostic(.notLoadable, path: path, "dlopen failed: \(detail)")
    }

    /// A descriptor string: non-NULL, NUL-terminated within `limit` bytes, valid UTF-8.
    private static func string(_ pointer: UnsafePointer<CChar>?, field: String, limit: Int, problems: inout [String]) -> String? {
        guard let pointer else {
            problems.append("\(field) is NULL")
            return nil
        }
        let length = strnlen(pointer, limit + 1)
        guard length <= limit else {
            problems.append("\(field) is longer than \(limit) bytes")
            return nil
        }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            problems.append("\(field) is not valid UTF-8")
            return nil
        }
        return text
    }
}
