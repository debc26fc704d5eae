import Foundation

extension PluginRegistry {
    /// The environment variable holding extra plugin folders, colon-separated.
    package static let searchPathVariable = "EWSCHECK_PLUGIN_PATH"

    /// Where to look for profiles and how to probe plugins.
    ///
    /// Search order (the first profile with a given id wins; later ones get a `duplicate-id` diagnostic):
    /// 1. `profileFiles`: named files, each a manifest (`*.json`) or a plugin (anything else);
    /// 2. `pluginDirectories` (`--plugin-dir`, in the order given): every `*.so` in each;
    /// 3. `searchPath` (`EWSCHECK_PLUGIN_PATH`, colon-separated, in order): every `*.so` in each;
    /// 4. `executableDirectory` (the folder of the running executable): only `libewscheck-*.so`.
    ///
    /// Files in one folder are taken in byte order of their names; folders are not searched
    /// recursively; a file reached twice (same real path) is a candidate once, at its first place.
    package struct Configuration: Sendable {
        /// Named profile files (`--profile-file`): manifests (`*.json`) or plugins.
        package var profileFiles: [String] = []
        /// Folders named on the command line (`--plugin-dir`).
        package var pluginDirectories: [String] = []
        /// Folders from `EWSCHECK_PLUGIN_PATH`.
        package var searchPath: [String]
        /// The folder of the running executable, or `nil` not to search it.
        package var executableDirectory: String?
        /// How plugins are probed before they are loaded.
        package var probe: Probe

        /// A configuration reading `EWSCHECK_PLUGIN_PATH` from `environment` and searching beside the running executable.
        package init(probe: Probe, environment: [String: String] = ProcessInfo.processInfo.environment) {
            self.probe = probe
            searchPath = (environment[PluginRegistry.searchPathVariable] ?? "").split(separator: ":").map(String.init).filter { !$0.isEmpty }
            executableDirectory = Self.runningExecutable.map { URL(fileURLWithPath: $0).deletingLastPathComponent().path }
        }

        /// The absolute path of the running executable (from `/proc/self/exe`), if it can be read.
        package static var runningExecutable: String? {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
        }
    }

    /// How a candidate plugin is probed in a child process before the host loads it.
    ///
    /// The child is `command` followed by `[--exercise-hooks] -- <plugin path>`; it must run
    /// `PluginRegistry.runProbeChild(path:exerciseHooks:)` and exit with its status (in ewscheck this
    /// is the hidden `ewscheck plugins probe`). It runs with `SWIFT_BACKTRACE=enable=no`, stdin from
    /// /dev/null, in its own process group, and is killed (SIGKILL, whole group) at `timeout`; should
    /// the host die first, the child ends itself with an alarm two seconds after that.
    package struct Probe: Sendable {
        /// The probe program (an absolute or relative path; `PATH` is not searched) and its leading arguments.
        package var command: [String]
        /// How long one probe may take (loading, and with `plugins verify` every hook call too).
        package var timeout: Duration
        /// Probes run at once.
        package var maximumConcurrent: Int
        /// Extra environment for the child, over the host's own.
        package var environment: [String: String]

        /// A probe running `command`.
        package init(command: [String], timeout: Duration = .seconds(5)) {
            self.command = command
            self.timeout = timeout
            maximumConcurrent = min(8, max(2, ProcessInfo.processInfo.activeProcessorCount * 2))
            environment = [:]
        }
    }
}
