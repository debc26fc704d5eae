import ArgumentParser
import Conformance
import EWSExecutor
import EWSTransport
import Foundation
import ProviderHost
import ProviderManifest
import Synchronization

/// `--profile ID|PATH`: picks a provider profile (a plugin by id, or a plugin or manifest file by
/// path) and turns it into what a run needs, hooks bridged.
struct ProfileSelection: ParsableArguments {
    @Option(name: .customLong("profile"), help: ArgumentHelp(
        "Provider profile: an id from `ewscheck plugins list`, or the path of a plugin (*.so) or manifest (*.json).",
        valueName: "id|path"))
    var profile: String?

    @OptionGroup var plugins: PluginOptions

    /// The chosen profile, or nil when none was asked for. Prints a specific error and exits 64
    /// when it cannot be had.
    func resolve() async throws -> RunProfile? {
        guard let profile else { return nil }
        var configuration = plugins.configuration()
        let isPath = profile.contains("/") || profile.hasSuffix(".json") || profile.hasSuffix(".so")
        var absolute: String?
        if isPath {
            let path = URL(fileURLWithPath: profile).standardized.path
            guard FileManager.default.fileExists(atPath: path) else {
                Console.err("ewscheck: --profile \(profile): no such file")
                throw ExitCode(ExitStatus.usage)
            }
            absolute = path
            configuration.profileFiles.insert(path, at: 0)
        }
        let registry = await PluginRegistry.discover(configuration)
        let found = absolute.map { path in registry.profiles.first { URL(fileURLWithPath: $0.path).standardized.path == path } }
            ?? registry.profile(id: profile)
        guard let loaded = found else {
            let problems = registry.diagnostics.filter { d in absolute.map { d.path.hasSuffix($0) || $0.hasSuffix(d.path) } ?? d.description.contains(profile) }
            Console.err("ewscheck: --profile \(profile): " + (problems.isEmpty
                ? "no such profile; available: \(registry.profiles.map(\.id).sorted().joined(separator: ", "))"
                : problems.map(\.description).joined(separator: "; ")))
            throw ExitCode(ExitStatus.usage)
        }
        // A known deviation for an id no check has would match nothing, silently.
        let unknown = CheckRegistry.unknownDeviationIDs(in: loaded.manifest.knownDeviations.map(\.check))
        if !unknown.isEmpty {
            Console.err("ewscheck: --profile \(profile): known_deviations name \(unknown.map { "'\($0)'" }.joined(separator: ", ")), "
                        + "which no check of catalogue \(CheckRegistry.version) has (`ewscheck run --list-checks` lists them)")
            throw ExitCode(ExitStatus.usage)
        }
        return Self.runProfile(loaded)
    }

    /// Bridges a loaded profile's hooks into the run.
    static func runProfile(_ loaded: LoadedProfile) -> RunProfile {
        var run = RunProfile(manifest: loaded.manifest, source: loaded.path)
        guard let hooks = loaded.hooks else { return run }
        let problems = Mutex<[String]>([])
        run.hookDiagnostics = { problems.locked { Array(Set($0)).sorted() } }
        run.reportHookProblem = { problem in problems.locked { if $0.count < 20 { $0.append(problem) } } }
        if hooks.provides(.classifyResponse) {
            run.responseClassifier = { input in
                do {
                    return try hooks.classifyResponse(input)
                } catch {
                    problems.locked { if $0.count < 20 { $0.append("plugin \(loaded.id): classify_response failed: \(error)") } }
                    return nil
                }
            }
        }
        if hooks.provides(.discoverEndpoint) {
            run.endpointDiscoverer = { input in
                do {
                    return try hooks.discoverEndpoint(input)
                } catch {
                    problems.locked { if $0.count < 20 { $0.append("plugin \(loaded.id): discover_endpoint failed: \(error)") } }
                    return nil
                }
            }
        }
        if hooks.provides(.acquireToken) {
            run.tokenAcquirer = { input in
                do {
                    return try hooks.acquireToken(input)
                } catch {
                    // PluginHooks never quotes acquire_token's input or output in its diagnostics.
                    problems.locked { if $0.count < 20 { $0.append("plugin \(loaded.id): acquire_token failed: \(error)") } }
                    return nil
                }
            }
        }
        guard hooks.provides(.adjustRequest) else { return run }
        let forbidden = HeaderPolicy.protectedNames
        let profile = run
        run.requestAdjuster = { request, operation, impersonated in
            let input = AdjustRequestInput(
                method: request.method, url: request.url,
                headers: request.headers.filter { !forbidden.contains($0.name.lowercased()) }.map { .init(name: $0.name, value: $0.value) },
                operation: operation, impersonatedMailbox: impersonated?.value)
            // On the blocking executor within the hook budget, like every other hook of the run.
            let answer: Result<AdjustRequestOutput?, PluginDiagnostic>? = await HookExecutor.call("adjust_request", profile) {
                do throws(PluginDiagnostic) { return .success(try hooks.adjustRequest(input)) } catch { return .failure(error) }
            }
            do {
                guard let output = try answer?.get() else { return }
                if let url = output.url {
                    if url.lowercased().hasPrefix("https://") { request.url = url }
                    else { problems.locked { $0.append("plugin \(loaded.id): adjust_request tried to send a request to the non-https URL \(url); ignored") } }
                }
                let removals = Set(output.removeHeaders.map { $0.lowercased() })
                let sets = output.setHeaders.filter { HeaderPolicy.problem(name: $0.key, value: $0.value) == nil }
                if sets.count != output.setHeaders.count || removals.contains(where: forbidden.contains) {
                    problems.locked { $0.append("plugin \(loaded.id): adjust_request tried to change a header the host owns (\(HeaderPolicy.protectedNames.sorted().joined(separator: ", "))) or send a line break; ignored") }
                }
                let replaced = removals.subtracting(forbidden).union(sets.keys.map { $0.lowercased() })
                request.headers.removeAll { replaced.contains($0.name.lowercased()) }
                request.headers += sets.sorted { $0.key < $1.key }.map { HTTPHeader($0.key, $0.value) }
            } catch {
                problems.locked { list in
                    if list.count < 20 { list.append("plugin \(loaded.id): adjust_request failed: \(error)") }
                }
            }
        }
        return run
    }
}
