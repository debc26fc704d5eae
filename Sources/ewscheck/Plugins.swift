import ArgumentParser
import Conformance
import Foundation
import ProviderHost
import ProviderManifest

/// `ewscheck plugins`: find, inspect and verify provider profiles.
struct Plugins: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find, inspect and verify provider plugins and profile manifests.",
        discussion: """
            Search order: --profile-file, then each --plugin-dir (every *.so), then each folder of \
            $\(PluginRegistry.searchPathVariable) (colon-separated, every *.so), then the folder of the ewscheck \
            executable (only libewscheck-*.so). The first profile with a given id wins. Every plugin is probed in a \
            child process before it is loaded. See docs/writing-a-provider-plugin.md.

            Examples:
              ewscheck plugins list
              ewscheck plugins inspect exchange-online
              ewscheck plugins verify ./libewscheck-myhoster.so
            """,
        subcommands: [List.self, Inspect.self, Verify.self, Probe.self])
}

extension Plugins {
    /// `ewscheck plugins list`
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the profiles found, and why any candidate was not loaded.")

        @OptionGroup var plugins: PluginOptions

        @Flag(name: .customLong("json"), help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            let registry = PluginRegistry.discover(plugins.configuration())
            if json {
                Console.out(PluginListing(registry).jsonText)
                return
            }
            if registry.profiles.isEmpty && registry.diagnostics.isEmpty {
                Console.out("no profiles found (searched --plugin-dir, $\(PluginRegistry.searchPathVariable) and the executable's folder)")
                return
            }
            var rows: [[String]] = [["ID", "VERSION", "KIND", "STATUS", "PATH"]]
            for p in registry.profiles {
                let hooks = p.hooks.map { $0.provided.isEmpty ? "" : " (hooks: \($0.provided.map(\.rawValue).joined(separator: ", ")))" } ?? ""
                rows.append([p.id, p.manifest.version, p.kind.rawValue, "ok" + hooks, p.path])
            }
            for d in registry.diagnostics {
                rows.append(["-", "-", "-", "error: \(d.code)", d.path])
            }
            Console.out(table(rows))
            if !registry.diagnostics.isEmpty {
                Console.out("")
                Console.out("not loaded:")
                for d in registry.diagnostics {
                    Console.out("  \(d.path)")
                    Console.out("    " + d.reason.replacingOccurrences(of: "\n", with: "\n    "))
                }
            }
        }
    }

    /// `ewscheck plugins inspect ID|PATH`
    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show one profile: discovery plan, authentication, EWS expectations, known deviations, readiness notices.")

        @Argument(help: ArgumentHelp("A profile id from `ewscheck plugins list`, or the path of a plugin or manifest file.", valueName: "id-or-path"))
        var profile: String

        @OptionGroup var plugins: PluginOptions

        @Flag(name: .customLong("json"), help: "Print the manifest as JSON.")
        var json = false

        func run() throws {
            let isFile = profile.contains("/") || profile.hasSuffix(".json") || profile.hasSuffix(".so") || FileManager.default.fileExists(atPath: profile)
            var configuration = plugins.configuration()
            if isFile {
                configuration.profileFiles = [profile]
                configuration.pluginDirectories = []
                configuration.searchPath = []
                configuration.executableDirectory = nil
            }
            let registry = PluginRegistry.discover(configuration)
            let found = isFile ? registry.profiles.first : registry.profile(id: profile)
            guard let found else {
                if isFile, let problem = registry.diagnostics.first {
                    Console.err("ewscheck: \(problem.path): \(problem.reason)")
                } else {
                    let known = registry.profiles.map(\.id)
                    Console.err("ewscheck: no usable profile '\(profile)'" + (known.isEmpty ? "" : "; found: \(known.joined(separator: ", "))"))
                    if !registry.diagnostics.isEmpty {
                        Console.err("\(registry.diagnostics.count) candidate(s) could not be loaded; see `ewscheck plugins list`")
                    }
                }
                // An id nothing provides is a usage error; a file that does not load is a bad plugin.
                throw ExitCode(isFile ? ExitStatus.checkFailed : ExitStatus.usage)
            }
            if json {
                do {
                    Console.out(Self.pretty(try found.manifest.jsonData()))
                } catch {
                    Console.err("ewscheck: the manifest of \(found.id) could not be written as JSON: \(error)")
                    throw ExitCode(ExitStatus.checkFailed)
                }
            } else {
                Console.out(ProfileDescription(found).text)
            }
        }

        static func pretty(_ data: Data) -> String {
            guard let object = try? JSONSerialization.jsonObject(with: data),
                  let out = try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            else { return String(decoding: data, as: UTF8.self) }
            return String(decoding: out, as: UTF8.self)
        }
    }

    /// `ewscheck plugins verify PATH`
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the checks every plugin must pass; exit 0 when all pass, 1 when one fails, 2 when the probe could not run.",
            discussion: """
                Checks: the plugin loads in a probe process (ELF, ABI version symbol, entry point, descriptor); its \
                manifest is valid; the descriptor's id and version match the manifest; every hook answers a sample \
                input (under the reserved .invalid domain) with valid JSON within the probe timeout; it then loads in \
                this process. A *.json path is checked as a manifest.
                """)

        @Argument(help: ArgumentHelp("The plugin (*.so) or manifest (*.json) to verify.", valueName: "path"))
        var path: String

        @Option(name: .customLong("probe-timeout"), help: ArgumentHelp("Seconds the probe (loading plus every hook call) may take.", valueName: "seconds"))
        var probeTimeout: Double = 5

        func validate() throws {
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("'\(path)' does not exist") }
            guard probeTimeout >= 0.1, probeTimeout <= 600 else { throw ValidationError("--probe-timeout must be 0.1...600 seconds") }
        }

        func run() throws {
            let verification = PluginVerification.run(path: path, probe: PluginOptions.probe(timeout: probeTimeout))
            Console.out("verifying \(verification.path)")
            for check in verification.checks {
                let detail = check.detail.isEmpty ? "" : ": " + check.detail.replacingOccurrences(of: "\n", with: "\n        ")
                Console.out("  \(check.passed ? "PASS" : "FAIL")  \(check.title)\(detail)")
            }
            let took = verification.probeDuration == .zero ? "" : " (probe took \(verification.probeDuration.formatted(.units(allowed: [.milliseconds], width: .narrow))))"
            if verification.inconclusive {
                Console.out("result: could not tell (the probe did not run)\(took)")
                throw ExitCode(ExitStatus.incomplete)
            }
            Console.out("result: \(verification.passed ? "PASS" : "FAIL")\(took)")
            if !verification.passed { throw ExitCode(ExitStatus.checkFailed) }
        }
    }

    /// `ewscheck plugins probe PATH`: the child side of plugin probing (hidden).
    struct Probe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Load one plugin in this process and report, as JSON lines on stdout (used by the loader).",
            shouldDisplay: false)

        @Flag(name: .customLong("exercise-hooks"), help: "Also call every hook once with a sample input.")
        var exerciseHooks = false

        @Argument(help: ArgumentHelp("The plugin file.", valueName: "path"))
        var path: String

        func run() throws {
            let status = PluginRegistry.runProbeChild(path: path, exerciseHooks: exerciseHooks)
            if status != 0 { throw ExitCode(status) }
        }
    }
}

// MARK: - Output

private func table(_ rows: [[String]]) -> String {
    guard let columns = rows.first?.count else { return "" }
    let widths = (0..<columns).map { c in rows.map { $0[c].count }.max() ?? 0 }
    return rows.map { row in
        row.enumerated().map { c, cell in c == columns - 1 ? cell : cell.padding(toLength: widths[c], withPad: " ", startingAt: 0) }
            .joined(separator: "  ")
    }.joined(separator: "\n")
}

/// `plugins list --json`.
private struct PluginListing: Encodable {
    struct Profile: Encodable {
        var id, name, version, vendor, kind, origin, path: String
        var hooks: [String]
        var hookThreading: String?
        enum CodingKeys: String, CodingKey {
            case id, name, version, vendor, kind, origin, path, hooks
            case hookThreading = "hook_threading"
        }
    }
    struct Diagnostic: Encodable {
        var path, code, reason: String
    }
    var profiles: [Profile]
    var diagnostics: [Diagnostic]

    init(_ registry: PluginRegistry) {
        profiles = registry.profiles.map { p in
            Profile(id: p.id, name: p.manifest.name, version: p.manifest.version, vendor: p.manifest.vendor, kind: p.kind.rawValue,
                    origin: p.origin.description, path: p.path, hooks: p.hooks?.provided.map(\.rawValue) ?? [],
                    hookThreading: p.hooks.map { $0.threadSafe ? "thread-safe" : "serialized" })
        }
        diagnostics = registry.diagnostics.map { Diagnostic(path: $0.path, code: $0.code.description, reason: $0.reason) }
    }

    var jsonText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

/// `plugins inspect`, for people.
private struct ProfileDescription {
    let profile: LoadedProfile

    init(_ profile: LoadedProfile) { self.profile = profile }

    var text: String {
        let m = profile.manifest
        var out: [String] = []
        out.append("\(m.name) (\(m.id) \(m.version)), maintained by \(m.vendor)")
        switch profile.kind {
        case .plugin:
            let hooks = profile.hooks.map { h in
                h.provided.isEmpty ? "no hooks" : "hooks: \(h.provided.map(\.rawValue).joined(separator: ", ")) (\(h.threadSafe ? "thread-safe" : "serialized"))"
            } ?? "no hooks"
            out.append("  plugin \(profile.path) (found via \(profile.origin)); \(hooks)")
        case .manifestFile:
            out.append("  manifest file \(profile.path)")
        }
        if let docs = m.docsURL { out.append("  docs: \(docs)") }
        if let description = m.description { out.append("  \(description)") }
        if let flavor = m.simulatorFlavor { out.append("  simulator flavor: \(flavor)") }

        out.append("")
        out.append("Discovery plan (tried in order)")
        for (i, method) in m.discovery.methods.enumerated() {
            var line = "  \(i + 1). \(method.method)"
            if let t = method.urlTemplate { line += " \(t)" }
            if let cross = method.allowCrossDomainRedirect { line += cross ? " (cross-domain redirects followed, and flagged)" : " (cross-domain redirects refused)" }
            out.append(line)
        }

        out.append("")
        out.append("Authentication")
        out.append("  accepted, preferred first: \(m.auth.schemes.joined(separator: ", "))")
        if !m.auth.refusedSchemes.isEmpty { out.append("  must be refused: \(m.auth.refusedSchemes.joined(separator: ", "))") }
        if let o = m.auth.oauth {
            out.append("  OAuth token endpoint: \(o.tokenEndpointTemplate)")
            out.append("  OAuth scope: \(o.scopeTemplate)")
            if !o.requiredRoles.isEmpty { out.append("  required application roles: \(o.requiredRoles.joined(separator: ", "))") }
        }

        out.append("")
        out.append("EWS expectations")
        out.append("  RequestServerVersion: \(m.ews.requestServerVersion)")
        if let minimum = m.ews.minimumServerVersion { out.append("  minimum server build: \(minimum)") }
        out.append("  impersonation ConnectingSID: \(m.ews.connectingSIDs.joined(separator: ", "))")
        if !m.ews.requiredHeaders.isEmpty { out.append("  required headers: \(m.ews.requiredHeaders.joined(separator: ", "))") }
        for (name, value) in m.ews.extraHeaders.sorted(by: { $0.key < $1.key }) { out.append("  extra header: \(name): \(value)") }
        if let c = m.ews.maxConcurrency { out.append("  at most \(c) requests in flight") }
        if !m.capabilities.isEmpty { out.append("  capabilities: \(m.capabilities.joined(separator: ", "))") }

        out.append("")
        out.append("Known deviations (strict expected failures: an unexpected pass fails the run)")
        if m.knownDeviations.isEmpty { out.append("  none") }
        for d in m.knownDeviations {
            out.append("  \(d.check): \(d.reason)" + (d.link.map { " <\($0)>" } ?? ""))
            if let sig = d.signature {
                var parts: [String] = []
                if let v = sig.responseCode { parts.append("response_code \(v)") }
                if let v = sig.faultCode { parts.append("fault_code \(v)") }
                if let v = sig.httpStatus { parts.append("http_status \(v)") }
                if let v = sig.text { parts.append("text \"\(v)\"") }
                for (k, v) in (sig.facts ?? [:]).sorted(by: { $0.key < $1.key }) { parts.append("\(k)=\(v)") }
                out.append("    expected signature: \(parts.joined(separator: ", "))")
            } else {
                out.append("    no signature: any failure of this check counts as expected")
            }
            if !CheckRegistry.contains(CheckID(d.check)) { out.append("    UNKNOWN CHECK: no check of catalogue \(CheckRegistry.version) has this id") }
        }

        out.append("")
        out.append("Enforced fields (manifest field: the checks that enforce it; others are informational)")
        for (field, ids) in CheckRegistry.enforcedFields().sorted(by: { $0.key < $1.key }) {
            out.append("  \(field): \(ids.map(\.rawValue).joined(separator: ", "))")
        }
        out.append("  informational: capabilities, docs_url, description, readiness_notices (dated in reports), ews.max_concurrency and ews.extra_headers (applied to requests)")

        out.append("")
        out.append("Readiness notices")
        if m.readinessNotices.isEmpty { out.append("  none") }
        let today = ProviderManifest.day(Self.todayText())
        for n in m.readinessNotices.sorted(by: { $0.date < $1.date }) {
            var when = ""
            if let today, let date = ProviderManifest.day(n.date) {
                let days = Int((date.timeIntervalSince(today) / 86_400).rounded())
                when = days == 0 ? " (today)" : days > 0 ? " (in \(days) day\(days == 1 ? "" : "s"))" : " (\(-days) day\(days == -1 ? "" : "s") ago)"
            }
            out.append("  \(n.date)\(when) \(n.kind): \(n.summary) [\(n.id)]" + (n.link.map { " <\($0)>" } ?? ""))
        }
        return out.joined(separator: "\n")
    }

    static func todayText() -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd"
        return f.string(from: Date())
    }
}
