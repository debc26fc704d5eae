import ArgumentParser
import Conformance
import EWSSimulator
import Foundation

/// `ewscheck simulate`: serve the simulated provider until stopped.
struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the built-in simulated provider until interrupted.",
        discussion: """
            Writes simulator.json, target.yaml, ca.pem and the service account's password file into the state folder;             point `ewscheck run --target <state>/target.yaml`, curl or exchangelib at it.

            Examples:
              ewscheck simulate --state-dir /tmp/sim
              ewscheck simulate --state-dir /tmp/sim --flavor exchange-online --port 8443
            """)

    @Option(name: .customLong("state-dir"), help: "Folder for the CA, secrets, target file and request log.")
    var stateDirectory: String = ".ewscheck-sim"

    @Option(name: .customLong("flavor"), help: ArgumentHelp("Which Exchange to behave like: \(SimulatorFlavor.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "flavor"))
    var flavor: String = SimulatorFlavor.onPremises.rawValue

    @Option(name: .customLong("port"), help: "HTTPS port on 127.0.0.1 (0 picks a free one).")
    var port: Int = 0

    @Option(name: .customLong("latency-ms"), help: "Delay every response by this many milliseconds.")
    var latencyMilliseconds: Int = 0

    @OptionGroup var behaviour: SimulatorBehaviourOptions

    @Option(name: .customLong("token-lifetime"), help: ArgumentHelp("exchange-online only: the expires_in of issued access tokens (default 3599, as Entra answers); a short one exercises the harness's token renewal.", valueName: "seconds"))
    var tokenLifetime: Int?

    @Option(name: .customLong("clock-skew"), help: ArgumentHelp("exchange-online only: how long past its exp EWS still accepts a token (default 300); 0 refuses it at once with 401 Bearer error=\"invalid_token\".", valueName: "seconds"))
    var clockSkew: Int?

    @Option(name: .customLong("autodiscover-layout"), help: ArgumentHelp("How Autodiscover is published: \(AutodiscoverLayout.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "layout"))
    var autodiscoverLayout: String = AutodiscoverLayout.standard.rawValue

    @Option(name: .customLong("http-port"), help: "Plain-HTTP port on 127.0.0.1 for Autodiscover's redirect lookup (0 picks a free one).")
    var httpPort: Int = 0

    @Option(name: .customLong("digest"), help: ArgumentHelp("Also offer HTTP Digest with these algorithms, in challenge order (repeatable): SHA-256, MD5.", valueName: "algorithm"))
    var digestAlgorithms: [String] = []

    @Flag(name: .customLong("kerberos"), help: "exchange-onprem only: also start a throwaway MIT Kerberos KDC (krb5-kdc) for the realm CONTOSO.COM; Negotiate then accepts its tickets. kerberos.json in the state folder names its krb5.conf, principals and keytab files.")
    var kerberos = false

    @Option(name: .customLong("ticket-lifetime"), help: ArgumentHelp("with --kerberos: the KDC's longest ticket life (max_life; default 10 hours); a short one exercises the harness's Kerberos ticket renewal.", valueName: "seconds"))
    var ticketLifetime: Int?

    func validate() throws {
        for a in digestAlgorithms where !["SHA-256", "MD5"].contains(a.uppercased()) {
            throw ValidationError("unknown --digest '\(a)'; known: SHA-256, MD5")
        }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be 0...65535") }
        guard (0...65535).contains(httpPort) else { throw ValidationError("--http-port must be 0...65535") }
        guard AutodiscoverLayout(rawValue: autodiscoverLayout) != nil else {
            throw ValidationError("unknown --autodiscover-layout '\(autodiscoverLayout)'; known: \(AutodiscoverLayout.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard SimulatorFlavor(rawValue: flavor) != nil else {
            throw ValidationError("unknown --flavor '\(flavor)'; known: \(SimulatorFlavor.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard (0...60_000).contains(latencyMilliseconds) else { throw ValidationError("--latency-ms must be 0...60000") }
        if tokenLifetime != nil || clockSkew != nil, SimulatorFlavor(rawValue: flavor) != .exchangeOnline {
            throw ValidationError("--token-lifetime and --clock-skew go with --flavor exchange-online")
        }
        if let tokenLifetime, !(1...86_400).contains(tokenLifetime) { throw ValidationError("--token-lifetime must be 1...86400 seconds") }
        if let clockSkew, !(0...3_600).contains(clockSkew) { throw ValidationError("--clock-skew must be 0...3600 seconds") }
        if ticketLifetime != nil, !kerberos { throw ValidationError("--ticket-lifetime goes with --kerberos") }
        if let ticketLifetime, !(1...86_400).contains(ticketLifetime) { throw ValidationError("--ticket-lifetime must be 1...86400 seconds") }
    }

    func run() async throws {
        var config = SimulatorConfiguration()
        config.port = port
        config.flavor = SimulatorFlavor(rawValue: flavor) ?? .onPremises
        config.stateDirectory = URL(fileURLWithPath: stateDirectory).standardized.path
        behaviour.apply(to: &config)
        config.digestAlgorithms = digestAlgorithms.map { $0.uppercased() }
        config.latencyMilliseconds = latencyMilliseconds
        if let tokenLifetime { config.exchangeOnline.tokenLifetimeSeconds = tokenLifetime }
        if let clockSkew { config.exchangeOnline.clockSkewSeconds = clockSkew }
        config.autodiscoverLayout = AutodiscoverLayout(rawValue: autodiscoverLayout) ?? .standard
        config.httpPort = httpPort
        let (simulator, kdc) = try await DemoKerberos.startSimulator(&config, kerberos: kerberos, ticketLifetime: ticketLifetime)
        let files = SimulatorStateFiles(directory: config.stateDirectory ?? stateDirectory)
        do {
            // Before simulator.json, which tells waiting tools that everything is ready.
            if let kdc { try DemoKerberos.writeInfo(kdc, directory: files.directory) }
            try files.write(for: simulator, mailboxesFromFile: behaviour.mailboxCount != nil)
        } catch {
            await kdc?.stop()
            await simulator.shutdown()
            Console.err("ewscheck: could not write the state files: \(error)")
            throw ExitCode(ExitStatus.incomplete)
        }
        Console.out("""
            simulated Exchange (\(simulator.configuration.flavor.rawValue)) listening on https://127.0.0.1:\(simulator.port)
              EWS:          \(simulator.ewsURL)  (pin mail.\(simulator.configuration.domain) to 127.0.0.1)
              EWS loopback: \(simulator.loopbackEWSURL)
              Autodiscover: layout \(simulator.configuration.autodiscoverLayout.rawValue), plain HTTP on 127.0.0.1:\(simulator.httpPort); ewscheck discover alice@\(simulator.configuration.domain) --connect-to <name>:443:127.0.0.1:\(simulator.port) --connect-to autodiscover.\(simulator.configuration.domain):80:127.0.0.1:\(simulator.httpPort)
              CA:           \(simulator.caFile)
              throttling:   \(simulator.configuration.effectiveThrottlingPolicy.map { "on: \($0.summary)" } ?? "off")
              account:      \(simulator.serviceAccount) (password in \(files.passwordFile))\(files.oauthSummary(for: simulator))
              target file:  \(files.targetFile)\(kdc.map { "\n  kerberos:     realm \($0.realm), KDC 127.0.0.1:\($0.port), principals and keytabs in \(files.directory)/kerberos.json (KRB5_CONFIG=\($0.configFile))" } ?? "")
              run against it: ewscheck run --target \(files.targetFile)
            Ctrl-C stops it.
            """)
        let stop = AsyncStream<Void> { continuation in
            let handler = InterruptHandler(message: "stopping the simulator") { continuation.yield() }
            continuation.onTermination = { _ in handler.stop() }
        }
        for await _ in stop { break }
        await simulator.shutdown()
        await kdc?.stop()
        Console.out("simulator stopped")
    }
}
