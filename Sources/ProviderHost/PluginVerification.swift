import Foundation
import ProviderManifest

/// The checks every plugin must pass (`ewscheck plugins verify`): it probes clean, its manifest is
/// valid, its descriptor agrees with the manifest, every hook answers a sample input with valid JSON
/// within the probe timeout, and it then loads in-process.
package struct PluginVerification: Sendable {
    /// One check.
    package struct Check: Sendable, Hashable {
        /// What is checked.
        package var title: String
        /// Whether it passed.
        package var passed: Bool
        /// What was found (the diagnostic when it failed).
        package var detail: String
    }

    /// The file verified.
    package var path: String
    /// The checks, in order; a check after a failed step is listed as failed with "not reached".
    package var checks: [Check]
    /// The manifest, when it could be read.
    package var manifest: ProviderManifest?
    /// True when the probe itself could not be run, so nothing about the plugin is known.
    package var inconclusive: Bool
    /// How long the probe took (loading plus the hook calls).
    package var probeDuration: Duration

    /// Every check passed.
    package var passed: Bool { !inconclusive && checks.allSatisfy(\.passed) }

    /// Verifies one file: a plugin (probed with its hooks exercised, then loaded), or a manifest (`*.json`).
    package static func run(path: String, probe: PluginRegistry.Probe) -> PluginVerification {
        let path = URL(fileURLWithPath: path).standardizedFileURL.path
        if path.hasSuffix(".json") {
            switch PluginRegistry.loadManifestFile(path) {
            case .success(let manifest):
                return PluginVerification(path: path, checks: [Check(title: "manifest is valid", passed: true, detail: "\(manifest.id) \(manifest.version)")],
                                          manifest: manifest, inconclusive: false, probeDuration: .zero)
            case .failure(let problem):
                return PluginVerification(path: path, checks: [Check(title: "manifest is valid", passed: false, detail: problem.reason)],
                                          manifest: nil, inconclusive: false, probeDuration: .zero)
            }
        }

        let limit = "\(probe.timeout.secondsDescription) s"
        let verdict = PluginRegistry.probe([path], exerciseHooks: true, probe)[0]
        var checks: [Check] = []
        let loadTitle = "loads in a probe process (ELF, ABI version \(PluginImage.hostABIVersion), entry point, descriptor)"
        let manifestTitle = "manifest is valid"
        let matchTitle = "descriptor plugin_id and plugin_version match the manifest"
        let notReached = "not reached"

        let code = verdict.diagnostic?.code
        let manifestCodes: Set<PluginDiagnostic.Code> = [.invalidManifest]
        let matchCodes: Set<PluginDiagnostic.Code> = [.idMismatch, .versionMismatch]
        let hookCodes: Set<PluginDiagnostic.Code> = [.hookCrashed, .hookHung]
        let loadFailed = code.map { !manifestCodes.contains($0) && !matchCodes.contains($0) && !hookCodes.contains($0) } ?? false
        let loadMicros = verdict.result?.loadMicroseconds.map { " in \(Double($0) / 1000) ms" } ?? ""

        checks.append(Check(title: loadTitle, passed: !loadFailed, detail: loadFailed ? verdict.diagnostic?.reason ?? "" : "loaded\(loadMicros)"))
        if loadFailed {
            checks.append(Check(title: manifestTitle, passed: false, detail: notReached))
            checks.append(Check(title: matchTitle, passed: false, detail: notReached))
        } else if let code, manifestCodes.contains(code) {
            checks.append(Check(title: manifestTitle, passed: false, detail: verdict.diagnostic?.reason ?? ""))
            checks.append(Check(title: matchTitle, passed: false, detail: notReached))
        } else {
            checks.append(Check(title: manifestTitle, passed: true, detail: ""))
            if let code, matchCodes.contains(code) {
                checks.append(Check(title: matchTitle, passed: false, detail: verdict.diagnostic?.reason ?? ""))
            } else {
                checks.append(Check(title: matchTitle, passed: true, detail: verdict.result.map { "\($0.pluginID ?? "") \($0.pluginVersion ?? "")" } ?? ""))
            }
        }

        // Hooks: from the result when the probe finished, else the one it died in.
        if let result = verdict.result, verdict.diagnostic == nil {
            if result.hooks.isEmpty { checks.append(Check(title: "hooks", passed: true, detail: "none provided")) }
            for hookCheck in result.hookChecks {
                let ok = hookCheck.status == "answered" || hookCheck.status == "declined" || hookCheck.status == "failed-with-error"
                let took = "\(Double(hookCheck.microseconds) / 1000) ms"
                let detail = ok ? (hookCheck.status == "declined" ? "returned NULL (not handled) in \(took)" : "\(hookCheck.detail) in \(took)") : hookCheck.detail
                checks.append(Check(title: "hook \(hookCheck.hook.rawValue) answers a sample input with valid JSON within \(limit)", passed: ok, detail: detail))
            }
        } else if let code, hookCodes.contains(code) {
            let hook = verdict.lastHook?.rawValue ?? "a hook"
            checks.append(Check(title: "hook \(hook) answers a sample input with valid JSON within \(limit)", passed: false, detail: verdict.diagnostic?.reason ?? ""))
        }

        var manifest: ProviderManifest?
        let inProcessTitle = "loads in this process after the probe"
        if verdict.diagnostic == nil {
            switch PluginRegistry.loadInProcess(path, probed: verdict.result?.file) {
            case .success(let image):
                manifest = image.manifest
                checks.append(Check(title: inProcessTitle, passed: true, detail: ""))
            case .failure(let problem):
                checks.append(Check(title: inProcessTitle, passed: false, detail: problem.reason))
            }
        } else {
            checks.append(Check(title: inProcessTitle, passed: false, detail: notReached))
        }
        return PluginVerification(path: path, checks: checks, manifest: manifest, inconclusive: verdict.couldNotRun, probeDuration: verdict.elapsed)
    }
}
