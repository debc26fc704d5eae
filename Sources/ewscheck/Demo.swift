import ArgumentParser
import Conformance
import EWSSimulator
import EWSTransport
import Foundation

/// `ewscheck demo`: the whole suite against the built-in simulator, no tenant needed.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Start the built-in simulated provider and run the suite against it.",
        discussion: """
            Writes a target file for the simulator into the state folder and runs exactly what `ewscheck run --target` would run.

            Examples:
              ewscheck demo
              ewscheck demo --profile exchange-online --must-fail-auth
              ewscheck demo --quirk corrupt-attachment-content     # a provider that corrupts attachments
              ewscheck demo --mailboxes 1000 --sample 50 --seed 3  # a big simulated tenant, a quick pass
              ewscheck demo --profile exchange-online --concurrency 32 --budget-holder caller --ews-max-concurrency 8
              ewscheck demo --auth negotiate --must-fail-auth      # Kerberos from a throwaway MIT KDC
            """)

    @OptionGroup var reports: ReportOptions
    @OptionGroup var profileSelection: ProfileSelection
    @OptionGroup var authChecks: AuthCheckOptions
    @OptionGroup var scale: MailboxScaleOptions
    @OptionGroup var width: ConcurrencyOptions

    @Flag(name: .customLong("oauth-certificate"), help: "exchange-online only: authenticate to the simulated Entra tenant with the certificate the simulator registered (a signed client assertion) instead of the client secret.")
    var oauthCertificate = false

    @Option(name: .customLong("state-dir"), help: "Folder for the simulator's CA, secrets, target file and request log (default: a new temporary folder).")
    var stateDirectory: String?

    @OptionGroup var behaviour: SimulatorBehaviourOptions

    @Option(name: .customLong("auth"), help: "negotiate: start a throwaway MIT Kerberos KDC (krb5-kdc) for the simulated realm and authenticate with Negotiate/Kerberos instead of the flavor's scheme.")
    var auth: String?

    func validate() throws {
        if let auth, auth.lowercased() != "negotiate" {
            throw ValidationError("--auth takes only 'negotiate' (without it, the demo uses the flavor's own scheme)")
        }
    }

    func run() async throws {
        let state = stateDirectory ?? (NSTemporaryDirectory() + "ewscheck-demo-" + UUID().uuidString.prefix(8))
        // A profile runs against its own simulator flavor; without one, the on-premises flavor.
        let profile = try await profileSelection.resolve()
        var flavor = SimulatorFlavor.onPremises
        if let profile {
            guard let named = profile.manifest.simulatorFlavor, let known = SimulatorFlavor(rawValue: named) else {
                Console.err("ewscheck: profile \(profile.id) names no simulator flavor (simulator_flavor), so it has no demo; known flavors: "
                            + SimulatorFlavor.allCases.map(\.rawValue).joined(separator: ", "))
                throw ExitCode(ExitStatus.usage)
            }
            flavor = known
        }
        var config = SimulatorConfiguration()
        config.flavor = flavor
        config.stateDirectory = state
        behaviour.apply(to: &config)
        let (simulator, kdc) = try await DemoKerberos.startSimulator(&config, kerberos: auth != nil)
        let files = SimulatorStateFiles(directory: state)
        var warnings: [String] = []
        var target: TargetConfiguration
        let credentials: HTTPCredentials
        do {
            try files.write(for: simulator, mailboxesFromFile: behaviour.mailboxCount != nil)
            target = try TargetConfiguration.load(path: files.targetFile)
            authChecks.apply(to: &target)
            warnings += scale.apply(to: &target)
            warnings += width.apply(to: &target)
            if let kdc { DemoKerberos.apply(kdc, to: &target) }
            if oauthCertificate {
                guard target.serviceAccount.auth == .oauth2, FileManager.default.fileExists(atPath: files.clientKeyFile) else {
                    throw TargetFileError("--oauth-certificate needs the exchange-online flavor (--profile exchange-online)")
                }
                target.serviceAccount.secret = .certificate(certificateFile: files.clientCertificateFile, keyFile: files.clientKeyFile)
            }
            credentials = try target.credentials(warnings: &warnings)
        } catch {
            await simulator.shutdown()
            await kdc?.stop()
            Console.err("ewscheck: could not prepare the demo target: \(error)")
            throw ExitCode(ExitStatus.incomplete)
        }
        // With --json, standard output carries only the report.
        (reports.json ? Console.err : Console.out)("simulator: \(simulator.configuration.flavor.rawValue) on 127.0.0.1:\(simulator.port); state in \(state)"
                    + (config.schemaDirectory.map { "; validating requests against \($0)" } ?? "; no EWS schema folder found, requests not schema-validated")
                    + "; throttling " + (simulator.configuration.effectiveThrottlingPolicy.map { "on: \($0.summary)" } ?? "off"))
        // The simulator can sign a really expired token, so the demo need not forge one.
        var expired: AccessTokenRequest?
        if target.mustFailAuth, let client = simulator.clientID {
            expired = AccessTokenRequest(clientID: client)
            expired?.lifetime = -3600
        }
        let code = await RunDriver.execute(target: target, credentials: credentials, reports: reports, warnings: warnings,
                                           profile: profile,
                                           expiredAccessToken: expired.flatMap { r in simulator.entra.map { Secret($0.mintAccessToken(r)) } },
                                           shard: scale.shard)
        let left = simulator.tenant.allItems()
        if !left.isEmpty {
            Console.err("ewscheck: the simulator still holds \(left.count) items after the run")
        }
        await simulator.shutdown()
        KerberosRunCaches.destroyAll()
        await kdc?.stop()
        throw ExitCode(code)
    }
}
