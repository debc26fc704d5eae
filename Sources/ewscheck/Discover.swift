import ArgumentParser
import Conformance
import Discovery
import EWSTransport
import Foundation

/// `ewscheck discover`: Autodiscover for one address, every method of the plan, every hop shown.
struct Discover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Find the EWS endpoint of an address with Autodiscover and show every hop.",
        discussion: """
            Tries POX Autodiscover (https://<domain>/ and https://autodiscover.<domain>/), the unauthenticated http \
            redirect, DNS SRV, SOAP GetUserSettings and Autodiscover v2 (or the methods of --profile / --method), \
            following redirects by the client rules: https only, credentials never over http, at most 10 redirects, \
            loops refused, other domains only with --allow-cross-domain (always flagged). \
            Exit codes: 0 an endpoint was found and no method is broken; 1 none was found, or a method is broken or unsafe; \
            64 bad command line.

            Examples:
              ewscheck discover alice@contoso.com --username svc@contoso.com --password-env PW
              ewscheck discover alice@contoso.com --method srv --dns-server 127.0.0.1:5353 --username svc@contoso.com --password-env PW
            """)

    @Argument(help: "The e-mail address to discover (user@domain).")
    var address: String

    @Flag(name: .customLong("json"), help: "Print the whole report as JSON instead of the tree.")
    var json = false

    @Option(name: .customLong("method"), help: ArgumentHelp(
        "A method to try (repeatable, in order): \(DiscoveryMethod.allCases.map(\.rawValue).joined(separator: ", ")). Default: the profile's, else all.",
        valueName: "method"))
    var methods: [String] = []

    @Flag(name: .customLong("first"), help: "Stop at the first method that finds an endpoint, as a client does.")
    var first = false

    @Flag(name: .customLong("allow-cross-domain"), help: "Follow redirects into other domains (they are flagged either way).")
    var allowCrossDomain = false

    @Option(name: .customLong("dns-server"), help: ArgumentHelp("DNS server for SRV look-ups (default: /etc/resolv.conf).", valueName: "addr[:port]"))
    var dnsServer: String?

    @Option(name: .customLong("target"), help: "Take the service account, TLS settings and host pins from this target file.")
    var target: String?

    @Option(name: .customLong("username"), help: "Account for POX and SOAP Autodiscover (they need credentials).")
    var username: String?

    @Option(name: .customLong("password-env"), help: ArgumentHelp("Environment variable holding the password.", valueName: "name"))
    var passwordEnv: String?

    @Option(name: .customLong("password-file"), help: ArgumentHelp("File holding only the password.", valueName: "path"))
    var passwordFile: String?

    @Option(name: .customLong("auth"), help: "basic or ntlm (default ntlm).")
    var auth: String = "ntlm"

    @OptionGroup var connection: ConnectionOptions
    @OptionGroup var profileSelection: ProfileSelection

    func validate() throws {
        guard DomainCheck.isAddress(address) else { throw ValidationError("'\(address)' is not an e-mail address (user@domain)") }
        for m in methods where DiscoveryMethod(rawValue: m) == nil {
            throw ValidationError("unknown --method '\(m)'; known: \(DiscoveryMethod.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if let dnsServer, DNSServerAddress(parsing: dnsServer) == nil {
            throw ValidationError("--dns-server '\(dnsServer)' is not an IP address with an optional port (127.0.0.1:5353, [::1]:53)")
        }
        guard auth == "basic" || auth == "ntlm" else { throw ValidationError("--auth must be basic or ntlm") }
        if passwordEnv != nil && passwordFile != nil { throw ValidationError("give --password-env or --password-file, not both") }
        if (passwordEnv != nil || passwordFile != nil) && username == nil { throw ValidationError("a password needs --username") }
        if username != nil && passwordEnv == nil && passwordFile == nil {
            throw ValidationError("--username needs --password-env or --password-file (a password never goes on the command line)")
        }
        if target != nil && username != nil { throw ValidationError("--target already names the account; drop --username") }
    }

    /// Transport settings, DNS server and cross-domain permission from the target file or the flags.
    private func connectionSettings(warnings: inout [String]) throws(TargetFileError) -> (HTTPTransportConfiguration, DiscoverySettings?) {
        var settings = HTTPTransportConfiguration()
        var file: TargetConfiguration
        if let target {
            file = try TargetConfiguration.load(path: target)
        } else {
            file = TargetConfiguration(name: "discover", ewsURL: "https://discovery.invalid/EWS/Exchange.asmx",
                                       serviceAccount: .init(username: username ?? "", auth: auth == "basic" ? .basic : .ntlm,
                                                             secret: passwordFile.map { .file($0) } ?? .environment(passwordEnv ?? "")),
                                       mailboxes: [address], outOfScopeMailbox: nil, nonexistentMailbox: nil)
            file.awaitDiscoveredEWSURL()
        }
        connection.apply(to: &file)
        if target != nil || username != nil { settings.credentials = try file.credentials(warnings: &warnings) }
        settings = file.transportConfiguration(credentials: settings.credentials)
        return (settings, file.discovery)
    }

    func run() async throws {
        var warnings: [String] = []
        var plan = DiscoveryConfiguration()
        let loaded: (HTTPTransportConfiguration, DiscoverySettings?)
        do {
            loaded = try connectionSettings(warnings: &warnings)
        } catch {
            Console.err("ewscheck: \(error.message)")
            throw ExitCode(ExitStatus.usage)
        }
        var settings = loaded.0
        plan.dnsServer = loaded.1?.dnsServer
        plan.allowCrossDomainRedirect = loaded.1?.allowCrossDomainRedirect ?? false
        for warning in warnings { Console.err("ewscheck: warning: \(warning)") }
        if settings.credentials.schemeName == nil {
            Console.err("ewscheck: note: no credentials given (--username or --target): POX and SOAP Autodiscover will be asked without them")
        }
        if settings.tls.verify == false { Console.err("ewscheck: warning: TLS certificate verification is OFF (--insecure)") }
        let profile = try await profileSelection.resolve()
        let listed = profile?.manifest.discovery.methods ?? []
        let profileMethods = listed.compactMap { DiscoveryMethod(rawValue: $0.method) }
        plan.methods = !methods.isEmpty ? methods.compactMap(DiscoveryMethod.init(rawValue:))
            : (profileMethods.isEmpty ? DiscoveryMethod.clientOrder : profileMethods)
        if allowCrossDomain || listed.contains(where: { $0.allowCrossDomainRedirect == true }) { plan.allowCrossDomainRedirect = true }
        if let dnsServer { plan.dnsServer = DNSServerAddress(parsing: dnsServer) }
        settings.connections = 1
        let transport = HTTPTransport(configuration: settings)
        defer { transport.shutdown() }
        let report = await AutodiscoverEngine(transport: transport, configuration: plan).discover(address, mode: first ? .firstFound : .survey)
        if json {
            do {
                FileHandle.standardOutput.write(try report.json())
                FileHandle.standardOutput.write(Data("\n".utf8))
            } catch {
                Console.err("ewscheck: could not encode the report: \(error)")
                throw ExitCode(ExitStatus.incomplete)
            }
        } else {
            Console.out(report.tree())
        }
        // Another domain reached with credentials is a failure even where it was allowed (and followed).
        let broken = report.probes.contains { $0.conclusion == .failed || $0.flags.contains("cross-domain") || $0.flags.contains("cross-domain-ews-url") }
        throw ExitCode(report.ewsURL == nil || broken ? ExitStatus.checkFailed : ExitStatus.success)
    }
}

/// Discovery before a run: a target without `ews_url` gets the endpoint a client would find.
enum DiscoverStep {
    static func resolve(_ target: TargetConfiguration, credentials: HTTPCredentials, profile: RunProfile?) async -> TargetConfiguration {
        guard target.ewsURLIsPending, let address = target.discovery?.address else { return target }
        Console.err("discovering the EWS URL of \(address) with Autodiscover…")
        let (resolved, report) = await target.discoveringEndpoint(credentials: credentials, profile: profile)
        if let report, let url = report.ewsURL {
            Console.err("EWS URL \(url) (found by \(report.foundBy ?? "?"); the discovery.* checks show every hop)")
        } else {
            Console.err("ewscheck: Autodiscover found no EWS URL for \(address); the EWS checks will fail (see discovery.endpoint)")
        }
        return resolved
    }
}

enum DomainCheck {
    static func isAddress(_ text: String) -> Bool {
        guard let at = text.lastIndex(of: "@"), at != text.startIndex else { return false }
        let domain = text[text.index(after: at)...]
        return domain.contains(".") && !domain.hasPrefix(".") && !domain.hasSuffix(".") && !text.contains(" ")
    }
}
