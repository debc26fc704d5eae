import EWSSimulator
import Foundation

/// Runs `body` with the fixture `start` made, then awaits `stop`, whether `body` returned or threw.
///
/// The one way tests start and stop servers, simulators and daemons: a fixture is never left to a
/// fire-and-forget `Task` in a `defer` (which the test binary may outlive, leaving servers running).
package func withFixture<Fixture, Result>(
    isolation: isolated (any Actor)? = #isolation,
    _ start: () async throws -> Fixture,
    stop: (Fixture) async -> Void,
    _ body: (Fixture) async throws -> Result
) async throws -> Result {
    let fixture = try await start()
    let result: Result
    do {
        result = try await body(fixture)
    } catch {
        await stop(fixture)
        throw error
    }
    await stop(fixture)
    return result
}

/// Runs `body` with the simulator `start` made, and awaits its shutdown afterwards, on success and on
/// a thrown error alike.
package func withSimulator<Result>(
    isolation: isolated (any Actor)? = #isolation,
    _ start: () async throws -> Simulator,
    _ body: (Simulator) async throws -> Result
) async throws -> Result {
    try await withFixture(start, stop: { await $0.shutdown() }, body)
}

extension Fixtures {
    /// Runs `body` with a simulator from ``simulator(flavor:quirks:password:validate:configure:)``; afterwards
    /// (returned or thrown) awaits its shutdown and removes the temporary state folder it made (not
    /// one that `configure` chose).
    package static func withSimulator<Result>(
        isolation: isolated (any Actor)? = #isolation,
        flavor: SimulatorFlavor = .onPremises, quirks: Set<SimulatorQuirk> = [], password: String? = nil, validate: Bool = true,
        configure: (inout SimulatorConfiguration) -> Void = { _ in },
        _ body: (Simulator) async throws -> Result
    ) async throws -> Result {
        try await withFixture({ try await simulator(flavor: flavor, quirks: quirks, password: password, validate: validate, configure: configure) },
                              stop: { simulator in
                                  await simulator.shutdown()
                                  if let state = simulator.configuration.stateDirectory, state.hasPrefix(TestPaths.temporaryDirectoryPrefix("sim")) {
                                      try? FileManager.default.removeItem(atPath: state)
                                  }
                              }, body)
    }
}
