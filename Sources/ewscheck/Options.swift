import ArgumentParser
import Conformance
import EWSTransport
import Foundation
import Reports

/// Where reports go.
struct ReportOptions: ParsableArguments {
    @Option(name: .customLong("reports-dir"), help: "Folder for run reports; each run writes <dir>/<run-id>/ and moves <dir>/latest.")
    var reportsDirectory: String = "reports"

    @Option(name: .customLong("run-id"), help: "Run id (default: UTC timestamp plus a random suffix).")
    var runID: String?

    @Flag(name: .customLong("overwrite"), help: "Reuse a --run-id that was already used (its old reports are removed first).")
    var overwrite = false

    @Option(name: .customLong("junit-xml"), help: ArgumentHelp("Also write junit.xml here (where a CI system expects it).", valueName: "path"))
    var junitCopy: String?

    @Option(name: .customLong("ctrf"), help: ArgumentHelp("Also write ctrf.json here.", valueName: "path"))
    var ctrfCopy: String?

    @Option(name: .customLong("html"), help: ArgumentHelp("Also write report.html here.", valueName: "path"))
    var htmlCopy: String?

    @Option(name: .customLong("evidence"), help: ArgumentHelp("Which HTTP exchanges the reports keep: all, failures (every exchange of a check that did not pass, plus the first of each that did) or none.", valueName: "all|failures|none"))
    var evidence: EvidenceScope = .failures

    @Option(name: .customLong("evidence-personal-data"), help: ArgumentHelp("keep: leave other people's data (subjects, names, phone numbers, out-of-office text the suite did not create) in the evidence; mask (default) replaces it by its length.", valueName: "mask|keep"))
    var personalData: PersonalData = .mask

    @Option(name: .customLong("color"), help: ArgumentHelp("Colour the console: auto (on a terminal, unless NO_COLOR is set), always or never.", valueName: "auto|always|never"))
    var color: ColorMode = .auto

    @Flag(name: .customLong("quiet"), help: "Print only what needs attention and the verdict.")
    var quiet = false

    @Flag(name: .customLong("verbose"), help: "Print each check's HTTP exchanges (redacted) as it completes.")
    var verbose = false

    @Flag(name: .customLong("json"), help: "Write report.json to standard output (progress goes to standard error).")
    var json = false

    enum ColorMode: String, ExpressibleByArgument, CaseIterable { case auto, always, never }

    /// The console style these options and the environment ask for.
    func consoleStyle(environment: [String: String] = ProcessInfo.processInfo.environment) -> ConsoleReport.Style {
        switch color {
        case .always: return ConsoleReport.Style(color: true)
        case .never: return .plain
        case .auto:
            let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
            return ConsoleReport.Style(color: !noColor && !json && isatty(STDOUT_FILENO) == 1 && environment["TERM"] != "dumb")
        }
    }

    enum EvidenceScope: String, ExpressibleByArgument, CaseIterable { case all, failures, none }
    enum PersonalData: String, ExpressibleByArgument, CaseIterable { case mask, keep }

    /// The evidence policy these options ask for.
    var evidencePolicy: EvidencePolicy {
        EvidencePolicy(scope: EvidencePolicy.Scope(rawValue: evidence.rawValue) ?? .failures, keepPersonalData: personalData == .keep)
    }

    /// Copies of the run's reports to the places CI asked for.
    func writeCopies(_ written: ReportStore.Written) throws {
        for (source, destination) in [(written.junit, junitCopy), (written.ctrf, ctrfCopy), (written.html, htmlCopy)] {
            guard let destination else { continue }
            let data = try Data(contentsOf: URL(fileURLWithPath: source))
            try data.write(to: URL(fileURLWithPath: destination), options: .atomic)
        }
    }

    func validate() throws {
        if let runID, runID.isEmpty || runID.contains("/") || runID.hasPrefix(".") {
            throw ValidationError("--run-id must be a plain folder name")
        }
    }
}

/// Connection overrides; each also settable in the target file.
struct ConnectionOptions: ParsableArguments {
    @Flag(name: .customLong("insecure"), help: "Turn TLS certificate verification off (stamped into every report).")
    var insecure = false

    @Option(name: .customLong("ca-file"), help: "PEM file of extra trusted CAs.")
    var caFile: String?

    @Option(name: .customLong("resolve"), help: ArgumentHelp("Pin a host name to an address, like curl --resolve.", valueName: "host:port:addr"))
    var resolve: [String] = []

    @Option(name: .customLong("connect-to"), help: ArgumentHelp("Send host:port to another address and port, like curl --connect-to.", valueName: "host:port:addr:port"))
    var connectTo: [String] = []

    @Option(name: .customLong("connect-timeout"), help: ArgumentHelp("Seconds for each TCP and TLS handshake (default 10; target file: timeouts.connect).", valueName: "seconds"))
    var connectTimeout: Double?

    @Option(name: .customLong("request-timeout"), help: ArgumentHelp("Seconds for each request, authentication legs included (default 60; timeouts.request).", valueName: "seconds"))
    var requestTimeout: Double?

    @Option(name: .customLong("overall-timeout"), help: ArgumentHelp("Seconds for the whole run; then the checks not finished are errored and the run could not test (default 3600; timeouts.overall).", valueName: "seconds"))
    var overallTimeout: Double?

    @Option(name: .customLong("proxy"), help: ArgumentHelp("HTTP proxy URL, 'environment' (use https_proxy/no_proxy) or 'none'. Default: none; environment proxies are ignored unless asked for. The proxy is stamped into every report.", valueName: "url|environment|none"))
    var proxy: String?

    @Option(name: .customLong("client-cert"), help: ArgumentHelp("PEM client certificate for mutual TLS (tls.client_certificate).", valueName: "path"))
    var clientCertificate: String?

    @Option(name: .customLong("client-key"), help: ArgumentHelp("PEM private key of --client-cert (tls.client_key).", valueName: "path"))
    var clientKey: String?

    func validate() throws {
        for (name, value) in [("--connect-timeout", connectTimeout), ("--request-timeout", requestTimeout), ("--overall-timeout", overallTimeout)] {
            if let value, !(value.isFinite && value > 0 && value <= 86_400) {
                throw ValidationError("\(name) must be a number of seconds above 0 and at most 86400")
            }
        }
        if let proxy {
            do { _ = try TargetConfiguration.proxy(parsing: proxy) } catch { throw ValidationError("--proxy: \(error.message)") }
        }
        if clientKey != nil && clientCertificate == nil { throw ValidationError("--client-key needs --client-cert") }
        for r in resolve where HostPin(parsing: r).map({ $0.connectPort == nil }) != true {
            throw ValidationError("--resolve '\(r)' is not host:port:address")
        }
        for c in connectTo where HostPin(parsing: c)?.connectPort == nil {
            throw ValidationError("--connect-to '\(c)' is not host:port:address:port")
        }
    }

    func apply(to target: inout TargetConfiguration) {
        if insecure { target.insecure = true }
        if let caFile { target.caFile = caFile }
        if let connectTimeout { target.timeout.connect = connectTimeout }
        if let requestTimeout { target.timeout.request = requestTimeout }
        if let overallTimeout { target.overallTimeout = overallTimeout }
        if let proxy, let parsed = try? TargetConfiguration.proxy(parsing: proxy) { target.proxy = parsed }
        if let clientCertificate {
            target.clientCertificateFile = clientCertificate
            target.clientKeyFile = clientKey
        }
        target.hostPins += (resolve + connectTo).compactMap(HostPin.init(parsing:))
    }
}
