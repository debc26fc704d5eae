private import CEWSTestEnvironment
#if canImport(Glibc)
import EWSExecutor
import Glibc
#endif
import EWSSimulator
import Foundation
import Synchronization

/// A throwaway MIT KDC and an exchange-onprem simulator that accepts its tickets: what every
/// Kerberos test starts for itself (the realm lives only as long as the test).
package struct KerberosFixture: Sendable {
    /// The KDC (realm `CONTOSO.COM`, keytabs, negative principals).
    package let kdc: SimulatedKDC
    /// The simulator, with `HTTP/mail.contoso.com`'s keytab behind Negotiate.
    package let simulator: Simulator
    /// A private folder for the test's own credential caches.
    package let directory: String

    /// Starts the KDC, then the simulator with the KDC's service keytab; `ticketLifetime` (seconds)
    /// shortens the realm's tickets, `configure` adjusts the simulator.
    package static func start(ticketLifetime: Int? = nil,
                              configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> KerberosFixture {
        try Fixtures.requireShared()
        let password = "Krb-" + UUID().uuidString
        let kdc = try await SimulatedKDC.start(serviceAccountPassword: password, ticketLifetime: ticketLifetime)
        do {
            var config = SimulatorConfiguration()
            config.stateDirectory = try Fixtures.temporaryDirectory("krb-sim")
            config.schemaDirectory = Fixtures.ewsSchemaDirectory
            config.serviceAccountPassword = password
            config.kerberos = .init(keytab: kdc.serviceKeytab, realm: kdc.realm)
            configure(&config)
            let simulator = try await Simulator.start(config)
            let directory = try Fixtures.temporaryDirectory("krb-client")
            try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: directory)
            return KerberosFixture(kdc: kdc, simulator: simulator, directory: directory)
        } catch {
            await kdc.stop()
            throw error
        }
    }

    /// Runs `body` with a started realm and simulator, and awaits their stop afterwards, whether
    /// `body` returned or threw.
    package static func with<Result>(isolation: isolated (any Actor)? = #isolation, ticketLifetime: Int? = nil,
                                    configure: (inout SimulatorConfiguration) -> Void = { _ in },
                                    _ body: (KerberosFixture) async throws -> Result) async throws -> Result {
        try await withFixture({ try await start(ticketLifetime: ticketLifetime, configure: configure) }, stop: { await $0.stop() }, body)
    }

    /// Stops the simulator and the KDC and removes the test's caches.
    package func stop() async {
        await simulator.shutdown()
        await kdc.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// The environment a Kerberos client child needs: this realm's krb5.conf and a private cache.
    package func environment(cache: String = "cc") -> [String: String] {
        ["KRB5_CONFIG": kdc.configFile, "KRB5CCNAME": "FILE:\(directory)/\(cache)"]
    }

    /// The `--resolve` pin that sends mail.contoso.com to the simulator.
    package var resolve: String { "mail.\(simulator.configuration.domain):\(simulator.port):127.0.0.1" }

    /// Runs `kinit` for the service account from its keytab into `cache`; returns kinit's exit.
    package func kinit(principal: String? = nil, keytab: String? = nil, cache: String = "cc") async throws -> ChildProcess.Termination {
        let child = try ChildProcess("/usr/bin/kinit", ["-k", "-t", keytab ?? kdc.serviceAccountKeytab, principal ?? kdc.serviceAccountPrincipal],
                                     environment: environment(cache: cache))
        return await child.wait(timeout: .seconds(30))
    }

    private static let inProcessConfig = Mutex<String?>(nil)

    /// Points this process's Kerberos library at this realm, for tests that use the transport
    /// or GSS-API in-process. MIT reads only `KRB5_CONFIG`, so the variable is set once per
    /// process, before main, to a fixed path, and each fixture copies its configuration there: the suites that
    /// call this must be `.serialized` and run one realm at a time.
    package func useInProcess() throws {
        let path = try Self.inProcessConfig.locked { path -> String in
            if let path { return path }
            // Set before main by CEWSTestEnvironment: calling setenv now would race with other
            // tests spawning processes (Foundation's Process reads the environment unlocked).
            let fresh = String(cString: ewscheck_test_krb5_config())
            path = fresh
            return fresh
        }
        // Replaced atomically: every Kerberos call in this process (other suites' simulators
        // included) reads the file, and must never find it missing.
        try Data(contentsOf: URL(fileURLWithPath: kdc.configFile)).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
