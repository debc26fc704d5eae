private import EWSExecutor
import Foundation
import ProviderManifest

/// The provider profiles found along the search path, and a diagnostic for every candidate that was not usable.
///
/// ```swift
/// var configuration = PluginRegistry.Configuration(probe: .init(command: [ewscheckPath, "plugins", "probe"]))
/// configuration.pluginDirectories = ["./my-plugins"]
/// let registry = PluginRegistry.discover(configuration)
/// ```
///
/// Every plugin candidate is first probed in a child process (a truncated file, or an entry point
/// that crashes or hangs, costs only that process); only those that probe clean are loaded into
/// this process, and never unloaded. A broken candidate never stops the others from loading.
package struct PluginRegistry: Sendable {
    /// The usable profiles, in search order.
    package var profiles: [LoadedProfile]
    /// Why the other candidates were not used, in search order.
    package var diagnostics: [PluginDiagnostic]

    /// The profile with this id.
    package func profile(id: String) -> LoadedProfile? { profiles.first { $0.id == id } }

    /// Searches, probes and loads. Blocks the calling thread for about as long as the slowest probe
    /// (probes run concurrently; each is bounded by `configuration.probe.timeout`).
    package static func discover(_ configuration: Configuration) -> PluginRegistry {
        var diagnostics: [PluginDiagnostic] = []
        let candidates = CandidateSearch(configuration: configuration).candidates(diagnostics: &diagnostics)
        let plugins = candidates.filter { $0.kind == .plugin }
        let verdicts = Dictionary(uniqueKeysWithValues: zip(plugins.map(\.path), probe(plugins.map(\.path), exerciseHooks: false, configuration.probe)))

        var profiles: [LoadedProfile] = []
        var firstByID: [String: String] = [:]
        func duplicate(_ id: String, _ path: String) -> PluginDiagnostic? {
            guard let first = firstByID[id] else { return nil }
            return PluginDiagnostic(.duplicateID, path: path,
                "duplicate profile id '\(id)': \(first) has the same id and comes first in the search order, so it wins; this file is ignored")
        }

        for candidate in candidates {
            switch candidate.kind {
            case .manifestFile:
                switch loadManifestFile(candidate.path) {
                case .failure(let problem): diagnostics.append(problem)
                case .success(let manifest):
                    if let problem = duplicate(manifest.id, candidate.path) { diagnostics.append(problem); continue }
                    firstByID[manifest.id] = candidate.path
                    profiles.append(LoadedProfile(manifest: manifest, path: candidate.path, kind: .manifestFile, origin: candidate.origin, hooks: nil))
                }
            case .plugin:
                guard let verdict = verdicts[candidate.path] else { continue }
                switch verdict.diagnostic {
                case .some(let problem): diagnostics.append(problem)
                case .none:
                    // The id is known from the probe, so a duplicate is never mapped into this process.
                    if let id = verdict.result?.pluginID, let problem = duplicate(id, candidate.path) { diagnostics.append(problem); continue }
                    switch loadInProcess(candidate.path, probed: verdict.result?.file) {
                    case .failure(let problem): diagnostics.append(problem)
                    case .success(let image):
                        if let problem = duplicate(image.manifest.id, candidate.path) { diagnostics.append(problem); continue }
                        firstByID[image.manifest.id] = candidate.path
                        profiles.append(LoadedProfile(manifest: image.manifest, path: candidate.path, kind: .plugin,
                                                      origin: candidate.origin, hooks: PluginHooks(image: image)))
                    }
                }
            }
        }
        return PluginRegistry(profiles: profiles, diagnostics: diagnostics)
    }

    /// `discover`, run on the blocking executor so the cooperative pool is not blocked while probes run.
    package static func discover(_ configuration: Configuration) async -> PluginRegistry {
        await BlockingExecutor.shared.run("plugin-discovery") { discover(configuration) }
    }

    /// The body of the probe child (`ewscheck plugins probe`): runs the loading steps on `path` in this
    /// process and writes the protocol to stdout; with `exerciseHooks`, calls every hook with a sample.
    /// Returns the exit status to end the process with. Only a probe command should call this.
    package static func runProbeChild(path: String, exerciseHooks: Bool) -> Int32 {
        ProbeChild.run(path: path, exerciseHooks: exerciseHooks)
    }

    // MARK: - Internals shared with verification

    struct Inspection {
        var result: ProbeResult?
        var diagnostic: PluginDiagnostic?
        var lastStage: PluginImage.Stage?
        var lastHook: PluginHookName?
        var elapsed: Duration
        var couldNotRun: Bool
    }

    static func probe(_ paths: [String], exerciseHooks: Bool, _ probe: Probe) -> [Inspection] {
        guard !paths.isEmpty else { return [] }
        guard let executable = probe.command.first else {
            return paths.map { Inspection(diagnostic: PluginDiagnostic(.probeFailed, path: $0, "no probe command is configured"), elapsed: .zero, couldNotRun: true) }
        }
        var environment = ProcessInfo.processInfo.environment
        environment.merge(probe.environment) { _, new in new }
        environment["SWIFT_BACKTRACE"] = "enable=no"
        // The child's own deadline: past the parent's, so the parent's kill (and its diagnostic) comes first.
        environment[ProbeChild.deadlineVariable] = String(probe.timeout.components.seconds + 2)
        let runner = ProbeRunner(executable: executable, timeout: probe.timeout, environment: environment, maximumConcurrent: probe.maximumConcurrent)
        let leading = Array(probe.command.dropFirst()) + (exerciseHooks ? ["--exercise-hooks"] : [])
        let outcomes = runner.run(paths.map { ProbeRunner.Job(arguments: leading + ["--", $0]) })
        return zip(paths, outcomes).map { path, outcome in interpret(outcome, path: path, timeout: probe.timeout, command: probe.command) }
    }

    /// Reads what the child said and how it ended.
    static func interpret(_ outcome: ProbeRunner.ChildRun, path: String, timeout: Duration, command: [String]) -> Inspection {
        let messages = outcome.messages
        let last = messages.last { $0.stage != nil }
        var verdict = Inspection(result: messages.last { $0.result != nil }?.result, lastStage: last?.stage, lastHook: last?.hook,
                              elapsed: outcome.elapsed, couldNotRun: false)
        let stderr = stderrExcerpt(outcome.stderr)
        let limit = "\(timeout.secondsDescription) s"

        if case .failedToStart(let why) = outcome.termination {
            verdict.couldNotRun = true
            verdict.diagnostic = PluginDiagnostic(.probeFailed, path: path, "could not run the probe command (\(command.joined(separator: " "))): \(why)")
            return verdict
        }
        if let result = verdict.result {
            if let failure = result.failure {
                verdict.diagnostic = PluginDiagnostic(PluginDiagnostic.Code(named: failure.code) ?? .probeFailed, path: path, failure.reason)
            } else if case .signaled(let signal) = outcome.termination {
                verdict.diagnostic = PluginDiagnostic(.loadCrashed, path: path,
                    "loaded, but the probe process then died with \(signalName(signal)) while exiting: a static destructor or atexit handler of the plugin crashes\(stderr)")
            }
            return verdict
        }

        let stage = verdict.lastStage
        let hook = verdict.lastHook?.rawValue ?? "a hook"
        let code: PluginDiagnostic.Code
        let reason: String
        if outcome.timedOut {
            switch stage {
            case .dlopen?, .versionSymbol?:
                (code, reason) = (.loadHung, "loading did not finish within \(limit) (probe killed): a static initializer (constructor) of the plugin hangs")
            case .entry?:
                (code, reason) = (.entryHung, "ewscheck_plugin_entry did not return within \(limit) (probe killed)")
            case .descriptor?, .manifest?:
                (code, reason) = (.entryHung, "reading the descriptor did not finish within \(limit) (probe killed)")
            case .hook?:
                (code, reason) = (.hookHung, "\(hook) did not answer the sample input within \(limit) (probe killed)")
            case .elfCheck?, nil:
                (code, reason) = (.probeFailed, "the probe gave no verdict within \(limit) (killed); the probe command may be wrong or the machine overloaded")
            }
        } else if case .signaled(let signal) = outcome.termination {
            let name = signalName(signal)
            switch stage {
            case .dlopen?:
                (code, reason) = (.loadCrashed, "the probe died with \(name) inside dlopen: a corrupt or truncated ELF, or a static initializer (constructor) that crashes")
            case .versionSymbol?:
                (code, reason) = (.loadCrashed, "reading ewscheck_plugin_abi_version crashed the probe with \(name): the symbol is not a readable uint32_t")
            case .entry?:
                (code, reason) = (.entryCrashed, "ewscheck_plugin_entry crashed the probe with \(name)")
            case .descriptor?, .manifest?:
                (code, reason) = (.entryCrashed, "reading the descriptor crashed the probe with \(name): the entry point returned an invalid pointer or a string field points to unreadable memory")
            case .hook?:
                (code, reason) = (.hookCrashed, "\(hook) crashed the probe with \(name) on the sample input")
            case .elfCheck?, nil:
                (code, reason) = (.probeFailed, "the probe died with \(name) before it reached the plugin")
            }
        } else if case .exited(let status) = outcome.termination {
            switch stage {
            case .dlopen?, .versionSymbol?:
                (code, reason) = (.loadCrashed, "a static initializer (constructor) of the plugin ended the probe process with exit status \(status)")
            case .entry?, .descriptor?, .manifest?:
                (code, reason) = (.entryCrashed, "ewscheck_plugin_entry ended the probe process with exit status \(status) (it called exit())")
            case .hook?:
                (code, reason) = (.hookCrashed, "\(hook) ended the probe process with exit status \(status)")
            case .elfCheck?, nil:
                (code, reason) = (.probeFailed, "the probe command (\(command.joined(separator: " "))) exited with status \(status) without a verdict")
            }
        } else {
            (code, reason) = (.probeFailed, "the probe ended without a verdict")
        }
        verdict.diagnostic = PluginDiagnostic(code, path: path, reason + stderr)
        // No sign of the child reaching the plugin: the probe, not the plugin, failed.
        verdict.couldNotRun = code == .probeFailed
        return verdict
    }

    /// dlopen in this process, after checking the file is still the one the probe saw.
    static func loadInProcess(_ path: String, probed: FileIdentity?) -> Result<PluginImage, PluginDiagnostic> {
        if let probed, ProbeChild.fileIdentity(path: path) != probed {
            return .failure(PluginDiagnostic(.changedSinceProbe, path: path, "the file changed between the probe and loading it; not loaded (run again)"))
        }
        return PluginImage.load(path: path)
    }

    static func loadManifestFile(_ path: String) -> Result<ProviderManifest, PluginDiagnostic> {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            return .failure(PluginDiagnostic(.unreadable, path: path, "manifest file cannot be opened"))
        }
        defer { try? handle.close() }
        let limit = PluginImage.maximumManifestBytes
        guard let data = try? handle.read(upToCount: limit + 1) ?? Data() else {
            return .failure(PluginDiagnostic(.unreadable, path: path, "manifest file cannot be read"))
        }
        guard data.count <= limit else {
            return .failure(PluginDiagnostic(.unreadable, path: path, "manifest file is larger than \(limit) bytes"))
        }
        let manifest: ProviderManifest
        do {
            manifest = try ProviderManifest.parse(data)
        } catch {
            return .failure(PluginImage.invalidManifest(path: path, error, what: "manifest file"))
        }
        if let problem = PluginImage.pluginHookProblem(manifest, hooks: [], path: path, what: "manifest file") { return .failure(problem) }
        return .success(manifest)
    }

    private static func stderrExcerpt(_ data: Data) -> String {
        let lines = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard let line = lines.last else { return "" }
        return " (last line on stderr: \(line.prefix(200)))"
    }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [
            SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP", SIGABRT: "SIGABRT",
            SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGUSR1: "SIGUSR1", SIGSEGV: "SIGSEGV", SIGUSR2: "SIGUSR2",
            SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGSYS: "SIGSYS", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ",
        ]
        let name = names[signal] ?? "signal \(signal)"
        guard let text = strsignal(signal) else { return name }
        return "\(name) (\(String(cString: text)))"
    }
}

extension Duration {
    /// `5` or `0.5`: whole seconds without a fraction.
    var secondsDescription: String {
        let (seconds, attoseconds) = components
        if attoseconds == 0 { return String(seconds) }
        let value = Double(seconds) + Double(attoseconds) / 1e18
        return String(format: "%.3g", value)
    }
}
