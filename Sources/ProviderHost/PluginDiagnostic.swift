/// Why a candidate plugin or manifest file was not loaded, or why a hook's answer was refused.
///
/// Every diagnostic names the file it is about and says what was found; `code` is for programs
/// (tests, JSON output), `reason` for people. A diagnostic is also the error a hook call throws.
package struct PluginDiagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of problem; new codes may be added, so switch with a default.
    package struct Code: Sendable, Hashable, CustomStringConvertible {
        fileprivate enum Base: String, Sendable, CaseIterable {
            case unreadable = "unreadable"
            case notELF = "not-elf"
            case truncatedELF = "truncated-elf"
            case notLoadable = "not-loadable"
            case loadCrashed = "load-crashed"
            case loadHung = "load-hung"
            case missingVersionSymbol = "missing-abi-version-symbol"
            case abiVersionMismatch = "abi-version-mismatch"
            case missingEntry = "missing-entry"
            case entryRefused = "entry-returned-null"
            case entryCrashed = "entry-crashed"
            case entryHung = "entry-hung"
            case descriptorTooSmall = "descriptor-too-small"
            case descriptorInvalid = "descriptor-invalid"
            case idMismatch = "id-mismatch"
            case versionMismatch = "version-mismatch"
            case invalidManifest = "invalid-manifest"
            case duplicateID = "duplicate-id"
            case probeFailed = "probe-failed"
            case changedSinceProbe = "changed-since-probe"
            case hookOutputInvalid = "hook-output-invalid"
            case hookOutputRefused = "hook-output-refused"
            case hookCrashed = "hook-crashed"
            case hookHung = "hook-hung"
            case hookFailed = "hook-failed"
            case hookOverBudget = "hook-over-budget"
        }

        fileprivate let base: Base

        /// The file or folder cannot be read (missing, permissions, too large for a manifest).
        package static let unreadable = Code(base: .unreadable)
        /// The file is not an ELF shared object at all.
        package static let notELF = Code(base: .notELF)
        /// The ELF file is cut short: its headers point past its end.
        package static let truncatedELF = Code(base: .truncatedELF)
        /// An ELF file this host cannot load (other architecture, not a shared object, a missing dependency).
        package static let notLoadable = Code(base: .notLoadable)
        /// The probe died with a signal while loading the file (a corrupt ELF or a crashing static initializer).
        package static let loadCrashed = Code(base: .loadCrashed)
        /// Loading the file did not finish within the probe timeout.
        package static let loadHung = Code(base: .loadHung)
        /// The file does not export `ewscheck_plugin_abi_version`.
        package static let missingVersionSymbol = Code(base: .missingVersionSymbol)
        /// `ewscheck_plugin_abi_version` is not the host's ABI version.
        package static let abiVersionMismatch = Code(base: .abiVersionMismatch)
        /// The file does not export `ewscheck_plugin_entry`.
        package static let missingEntry = Code(base: .missingEntry)
        /// The entry point returned NULL: the plugin refused this host.
        package static let entryRefused = Code(base: .entryRefused)
        /// The entry point crashed (signal) or ended the probe process.
        package static let entryCrashed = Code(base: .entryCrashed)
        /// The entry point did not return within the probe timeout.
        package static let entryHung = Code(base: .entryHung)
        /// `struct_size` is smaller than the version-1 descriptor.
        package static let descriptorTooSmall = Code(base: .descriptorTooSmall)
        /// A descriptor field is unusable (NULL or non-UTF-8 strings, bad `hook_threading`, hooks without `free_string`).
        package static let descriptorInvalid = Code(base: .descriptorInvalid)
        /// `plugin_id` differs from the manifest's `id`.
        package static let idMismatch = Code(base: .idMismatch)
        /// `plugin_version` differs from the manifest's `version`.
        package static let versionMismatch = Code(base: .versionMismatch)
        /// The manifest is not valid; the reason lists every problem by JSON path.
        package static let invalidManifest = Code(base: .invalidManifest)
        /// Another profile with the same id was found first; the reason names both files.
        package static let duplicateID = Code(base: .duplicateID)
        /// The probe process could not be run or gave no usable answer.
        package static let probeFailed = Code(base: .probeFailed)
        /// The file changed between the probe and loading it in-process.
        package static let changedSinceProbe = Code(base: .changedSinceProbe)
        /// A hook returned something that is not the documented JSON.
        package static let hookOutputInvalid = Code(base: .hookOutputInvalid)
        /// A hook's JSON decoded but asks for something the host refuses (a protected header, a non-https URL).
        package static let hookOutputRefused = Code(base: .hookOutputRefused)
        /// A hook crashed the probe process (only `plugins verify` runs hooks out of process).
        package static let hookCrashed = Code(base: .hookCrashed)
        /// A hook did not answer within the timeout (only `plugins verify` runs hooks out of process).
        package static let hookHung = Code(base: .hookHung)
        /// A hook answered through the error channel (`{"error": {"message": …}}`): it tried and failed.
        package static let hookFailed = Code(base: .hookFailed)
        /// During a run, a hook did not answer within its time budget; the run went on without it.
        package static let hookOverBudget = Code(base: .hookOverBudget)

        /// The stable kebab-case name (`abi-version-mismatch`), as written in JSON output.
        package var description: String { base.rawValue }

        /// The code with this stable name, if there is one.
        package init?(named name: String) {
            guard let base = Base(rawValue: name) else { return nil }
            self.base = base
        }

        fileprivate init(base: Base) { self.base = base }
    }

    /// What kind of problem.
    package var code: Code
    /// The plugin or manifest file (or search folder) the diagnostic is about.
    package var path: String
    /// What was found, for people.
    package var reason: String

    /// Creates a diagnostic.
    package init(_ code: Code, path: String, _ reason: String) {
        self.code = code
        self.path = path
        self.reason = reason
    }

    package var description: String { "\(path): \(reason)" }
}
