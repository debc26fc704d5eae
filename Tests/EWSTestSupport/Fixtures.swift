import EWSSimulator
import Foundation

/// Where the test fixtures live, and a simulator configured the way tests need it.
public enum Fixtures {
    /// The repository root.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `../shared` beside the repository (the EWS and report schemas; never copied into the repo).
    public static let sharedDirectory: URL = repositoryRoot.deletingLastPathComponent().appendingPathComponent("shared")

    /// The 2017 EWS schema folder.
    public static var ewsSchemaDirectory: String { sharedDirectory.appendingPathComponent("ews-schemas/v2017").path }

    /// The Jenkins JUnit schema.
    public static var junitSchema: String { sharedDirectory.appendingPathComponent("report-schemas/jenkins-xunit-plugin-junit-10.xsd").path }

    /// Fails loudly when ../shared is missing (tests must not pass by skipping).
    public static func requireShared() throws {
        guard FileManager.default.fileExists(atPath: ewsSchemaDirectory + "/messages.xsd") else {
            throw FixtureError("the EWS schemas are missing at \(ewsSchemaDirectory); tests need ../shared beside the repository")
        }
    }

    /// Where ``temporaryDirectory(_:)`` makes folders called `name`.
    static func temporaryDirectoryPrefix(_ name: String) -> String { NSTemporaryDirectory() + "ewscheck-\(name)-" }

    /// A fresh temporary folder.
    public static func temporaryDirectory(_ name: String = "test") throws -> String {
        let path = temporaryDirectoryPrefix(name) + UUID().uuidString.prefix(8)
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Starts a simulator that validates requests against the 2017 schema (unless `validate` is false),
    /// with its state in a fresh temporary folder; `configure` changes the rest. Tests that can use
    /// ``withSimulator(quirks:password:validate:configure:_:)`` do, so the simulator is always stopped.
    public static func simulator(quirks: Set<SimulatorQuirk> = [], password: String? = nil,
                                 validate: Bool = true,
                                 configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> Simulator {
        try requireShared()
        var config = SimulatorConfiguration()
        config.stateDirectory = try temporaryDirectory("sim")
        config.schemaDirectory = validate ? ewsSchemaDirectory : nil
        config.quirks = quirks
        config.serviceAccountPassword = password
        configure(&config)
        return try await Simulator.start(config)
    }

    /// The `ewscheck` executable built beside the test bundle.
    public static var executable: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ewscheck").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return repositoryRoot.appendingPathComponent(".build/debug/ewscheck").path
    }
}

/// A fixture problem (missing shared files).
public struct FixtureError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}
