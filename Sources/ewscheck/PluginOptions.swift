import ArgumentParser
import ProviderHost

/// Where provider plugins are found and how they are probed; shared by every command that loads profiles.
struct PluginOptions: ParsableArguments {
    @Option(name: .customLong("plugin-dir"), help: ArgumentHelp(
        "Folder of provider plugins (repeatable; every *.so in it). Searched before $EWSCHECK_PLUGIN_PATH and the executable's folder.",
        valueName: "dir"))
    var pluginDirectories: [String] = []

    @Option(name: .customLong("profile-file"), help: ArgumentHelp(
        "A profile file (repeatable): a manifest (*.json) or a plugin (*.so). Comes first in the search order.",
        valueName: "file"))
    var profileFiles: [String] = []

    @Option(name: .customLong("probe-timeout"), help: ArgumentHelp(
        "Seconds a plugin's probe may take before it is killed and reported as hung.", valueName: "seconds"))
    var probeTimeout: Double = 5

    func validate() throws {
        guard probeTimeout >= 0.1, probeTimeout <= 600 else { throw ValidationError("--probe-timeout must be 0.1...600 seconds") }
    }

    /// The probe: this very executable, `plugins probe`.
    var probe: PluginRegistry.Probe { Self.probe(timeout: probeTimeout) }

    /// The probe with a timeout in seconds.
    static func probe(timeout seconds: Double) -> PluginRegistry.Probe {
        let executable = PluginRegistry.Configuration.runningExecutable ?? CommandLine.arguments[0]
        return PluginRegistry.Probe(command: [executable, "plugins", "probe"], timeout: .milliseconds(Int(seconds * 1000)))
    }

    /// The full search: these options, then `EWSCHECK_PLUGIN_PATH`, then the executable's folder.
    func configuration() -> PluginRegistry.Configuration {
        var configuration = PluginRegistry.Configuration(probe: probe)
        configuration.pluginDirectories = pluginDirectories
        configuration.profileFiles = profileFiles
        return configuration
    }
}
