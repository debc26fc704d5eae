import EWSSimulator
import Foundation

/// Where the test fixtures live, and a simulator configured the way tests need it.
package enum Fixtures {
    /// The repository root (``TestPaths/repositoryRoot``).
    package static var repositoryRoot: URL { TestPaths.repositoryRoot }

    /// `../shared` beside the repository (``TestPaths/shared``).
    package static var sharedDirectory: URL { TestPaths.shared }

    /// The 2017 EWS schema folder.
    package static var ewsSchemaDirectory: String { TestPaths.ewsSchemaFolder }

    /// The Jenkins JUnit schema.
    package static var junitSchema: String { TestPaths.junitSchemaFile }

    /// Fails loudly when ../shared is missing (tests must not pass by skipping).
    package static func requireShared() throws {
        _ = try TestPaths.ewsSchemaDirectory()
    }

    /// A fresh temporary folder (``TestPaths/temporaryDirectory(_:)``).
    package static func temporaryDirectory(_ name: String = "test") throws -> String {
        try TestPaths.temporaryDirectory(name)
    }

    /// Starts a simulator that validates requests against the 2017 schema (unless `validate` is false),
    /// with its state in a fresh temporary folder; `configure` changes the rest. Tests that can use
    /// ``withSimulator(quirks:password:validate:configure:_:)`` do, so the simulator is always stopped.
    package static func simulator(flavor: SimulatorFlavor = .onPremises, quirks: Set<SimulatorQuirk> = [], password: String? = nil,
                                 validate: Bool = true,
                                 configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> Simulator {
        try requireShared()
        var config = SimulatorConfiguration()
        config.stateDirectory = try temporaryDirectory("sim")
        config.schemaDirectory = validate ? ewsSchemaDirectory : nil
        config.flavor = flavor
        config.quirks = quirks
        config.serviceAccountPassword = password
        configure(&config)
        return try await Simulator.start(config)
    }

    /// The `ewscheck` executable built beside the test bundle.
    package static var executable: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ewscheck").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return repositoryRoot.appendingPathComponent(".build/debug/ewscheck").path
    }
}

/// A fixture problem (missing shared files).
package struct FixtureError: Error, CustomStringConvertible {
    package var description: String
    package init(_ d: String) { description = d }
}
