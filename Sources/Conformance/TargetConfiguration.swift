import EWSProtocol
import EWSTransport
import Foundation
import Yams

/// A target: one provider endpoint, the service account, and the mailboxes to certify. Read from
/// a YAML target file (see `examples/target.yaml`); secrets are referenced, never contained.
package struct TargetConfiguration: Sendable {
    /// Where the service account's secret comes from.
    package enum SecretSource: Sendable, Hashable {
        /// An environment variable, by name.
        case environment(String)
        /// A file holding only the secret (a trailing newline is ignored).
        case file(String)
        /// An application certificate and its private key, both PEM files (`auth: oauth2` only):
        /// the client authenticates with a signed client assertion instead of a secret.
        case certificate(certificateFile: String, keyFile: String)
        /// A Kerberos keytab holding the principal's key (`auth: negotiate` only).
        case keytab(String)
    }

    /// The authentication scheme for the service account.
    package enum AuthScheme: String, Sendable, Hashable, CaseIterable {
        case basic, ntlm
        /// OAuth 2.0 client credentials: a bearer token from the token endpoint (Exchange Online).
        case oauth2
        /// HTTP Digest (RFC 7616), MD5 or SHA-256 as the server offers.
        case digest
        /// HTTP Negotiate with Kerberos (SPNEGO): tickets from a keytab or the password.
        case negotiate
    }

    /// The service account.
    package struct ServiceAccount: Sendable, Hashable {
        /// The sign-in name (`svc@contoso.com` or `CONTOSO\svc`).
        package var username: String
        /// The scheme.
        package var auth: AuthScheme
        /// Where the password (for oauth2: the client secret) comes from.
        package var secret: SecretSource
        /// The client credentials settings, for `auth: oauth2`.
        package var oauth: OAuth?
        /// The Kerberos settings, for `auth: negotiate`.
        package var kerberos: Kerberos?

        /// Creates a service account.
        package init(username: String, auth: AuthScheme, secret: SecretSource) {
            self.username = username
            self.auth = auth
            self.secret = secret
        }
    }

    /// A display name for reports.
    package var name: String
    /// The EWS URL. While ``ewsURLIsPending``, a placeholder in the reserved `.invalid` domain that
    /// never resolves, so nothing can reach some other server by mistake.
    package private(set) var ewsURL: String
    /// Whether the EWS URL is still to be discovered (the target file gave none): a state of its own,
    /// not a comparison with the placeholder.
    package private(set) var ewsURLIsPending = false
    /// `RequestServerVersion` to send.
    package var requestVersion: ExchangeVersion
    /// Whether the target file set `request_version` (it then wins over a profile's).
    package var requestVersionIsExplicit = false
    /// The service account.
    package var serviceAccount: ServiceAccount
    /// The mailboxes to certify (primary SMTP addresses).
    package var mailboxes: [String]
    /// The entries of `mailboxes_file:` (UPN, SID, tags), in file order; empty for inline mailboxes.
    package var mailboxEntries: [MailboxList.Entry] = [] {
        didSet { entryIndex = Self.index(mailboxEntries) }
    }
    /// Position of each entry by address: ``entry(of:)`` runs for every request, so no scan.
    private(set) var entryIndex: [String: Int] = [:]
    /// A mailbox that exists but that the service account must not be able to impersonate.
    package var outOfScopeMailbox: String?
    /// An address with no mailbox.
    package var nonexistentMailbox: String?
    /// A second account without impersonation rights (`negative_controls.unprivileged_account`).
    package var unprivilegedAccount: UnprivilegedAccount?
    /// A PEM bundle of extra trusted CAs.
    package var caFile: String?
    /// TLS verification off (stamped into every report).
    package var insecure: Bool
    /// Host pins.
    package var hostPins: [HostPin]
    /// Requests in flight at once.
    package var concurrency: Int
    /// Where the file was read from.
    package var sourcePath: String?
    /// Autodiscover settings (the `discovery:` section); without `ews_url`, the run discovers it.
    package var discovery: DiscoverySettings?
    /// Connect and request time limits (`timeouts.connect`, `timeouts.request`; 10 s and 60 s).
    package var timeout = HTTPTransportConfiguration.Timeout()
    /// The limit for the whole run in seconds (`timeouts.overall`; ``defaultOverallTimeout``).
    package var overallTimeout: Double = TargetConfiguration.defaultOverallTimeout
    /// The HTTP proxy (`proxy:`); environment proxies are ignored unless this says `environment`.
    package var proxy: HTTPTransportConfiguration.Proxy = .none
    /// A PEM client certificate for mutual TLS (`tls.client_certificate`).
    package var clientCertificateFile: String?
    /// Its PEM private key (`tls.client_key`).
    package var clientKeyFile: String?
    /// Run the must-fail auth checks (`must_fail_auth: true` or `--must-fail-auth`): a wrong
    /// password once, an app-only token without impersonation, an expired token.
    package var mustFailAuth = false
    /// How late a notification may arrive, in milliseconds after the change's answer
    /// (`notification_latency_ms`; ``defaultNotificationLatency``).
    package var notificationLatencyMilliseconds = TargetConfiguration.defaultNotificationLatency
    /// The notification latency limit without `notification_latency_ms`: 10 s.
    package static let defaultNotificationLatency = 10_000
    /// A distribution list of the directory that ExpandDL must expand (`distribution_list`);
    /// without one `directory.expand-dl` is skipped.
    package var distributionList: String?

    /// Creates a target in code.
    package init(name: String, ewsURL: String, requestVersion: ExchangeVersion = .exchange2013SP1,
                serviceAccount: ServiceAccount, mailboxes: [String], outOfScopeMailbox: String?, nonexistentMailbox: String?,
                caFile: String? = nil, insecure: Bool = false, hostPins: [HostPin] = [], concurrency: Int = 4) {
        self.name = name
        self.ewsURL = ewsURL
        self.requestVersion = requestVersion
        self.serviceAccount = serviceAccount
        self.mailboxes = mailboxes
        self.outOfScopeMailbox = outOfScopeMailbox
        self.nonexistentMailbox = nonexistentMailbox
        self.caFile = caFile
        self.insecure = insecure
        self.hostPins = hostPins
        self.concurrency = concurrency
    }

    /// Reads the secret and makes the transport credentials.
    /// - Parameter warnings: receives a warning when a secret file is readable by others.
    package func credentials(environment: [String: String] = ProcessInfo.processInfo.environment,
                            warnings: inout [String]) throws(TargetFileError) -> HTTPCredentials {
        if case .certificate = serviceAccount.secret {
            // Checked now so a bad key fails before the run; the runner signs with it later.
            _ = try clientCertificate(warnings: &warnings)
            return .none
        }
        // Kerberos: a ticket from the keytab or the password, in a private cache (KerberosTargetSettings.swift).
        if serviceAccount.auth == .negotiate { return try negotiateCredentials(environment: environment, warnings: &warnings) }
        let password = try secretValue(environment: environment, warnings: &warnings)
        switch serviceAccount.auth {
        case .basic: return .basic(user: serviceAccount.username, password: Secret(password))
        case .ntlm: return .ntlm(user: serviceAccount.username, password: Secret(password))
        case .digest: return .digest(user: serviceAccount.username, password: Secret(password))
        // The bearer token is the runner's to get (it is evidence of the run): the secret was
        // only checked here. See clientCredentials(environment:warnings:).
        case .oauth2: return .none
        case .negotiate: return .none  // returned above
        }
    }

    /// Reads the secret from its source; errors name the target file key.
    func secretValue(environment: [String: String], warnings: inout [String]) throws(TargetFileError) -> String {
        let key = secretKey
        let password: String
        switch serviceAccount.secret {
        case .environment(let variable):
            guard let value = environment[variable], !value.isEmpty else {
                throw TargetFileError("\(key) names \(variable), which is not set or empty")
            }
            password = value
        case .certificate:
            throw TargetFileError("service_account uses a client certificate, which has no secret to read")
        case .keytab:
            throw TargetFileError("service_account uses a keytab, which has no password to read")
        case .file(let path):
            guard let data = FileManager.default.contents(atPath: path) else {
                throw TargetFileError("\(key) \(path) does not exist or cannot be read")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw TargetFileError("\(key) \(path) is not UTF-8 text")
            }
            // "\r\n" is one Character in Swift, so one dropLast removes either line ending.
            password = text.hasSuffix("\n") || text.hasSuffix("\r\n") ? String(text.dropLast()) : text
            if password.isEmpty { throw TargetFileError("\(key) \(path) is empty") }
            if let attrs = try? FileManager.default.attributesOfItem(atPath: path),
               let mode = attrs[.posixPermissions] as? Int, mode & 0o077 != 0 {
                let what = serviceAccount.auth == .oauth2 ? "client secret" : "password"
                warnings.append("\(what) file \(path) is readable by group or others (mode \(String(mode, radix: 8))); chmod 600 it")
            }
        }
        return password
    }
}

/// A target file that cannot be used: the message names the file, the key and the line.
package struct TargetFileError: Error, Sendable, CustomStringConvertible {
    /// What is wrong.
    package var message: String
    /// Creates an error.
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

extension TargetConfiguration {
    private static let topKeys = ["name", "ews_url", "discovery", "request_version", "service_account", "mailboxes", "mailboxes_file",
                                  "negative_controls", "tls", "host_pins", "concurrency", "must_fail_auth",
                                  "timeouts", "proxy", "notification_latency_ms", "distribution_list"]
    private static let accountKeys = ["username", "auth", "password_env", "password_file"] + oauthAccountKeys + kerberosAccountKeys
    private static let controlKeys = ["out_of_scope_mailbox", "nonexistent_mailbox", "unprivileged_account"] + kerberosControlKeys
    private static let tlsKeys = ["ca_file", "insecure", "client_certificate", "client_key"]

    /// Reads and checks a target file.
    package static func load(path: String) throws(TargetFileError) -> TargetConfiguration {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TargetFileError("target file \(path) does not exist or cannot be read")
        }
        guard let text = String(data: data, encoding: .utf8) else { throw TargetFileError("target file \(path) is not UTF-8") }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            var target = try parse(yaml: text, baseDirectory: base)
            target.sourcePath = path
            return target
        } catch {
            throw TargetFileError("target file \(path): \(error.message)")
        }
    }

    /// Parses target YAML; relative paths are taken from `baseDirectory`.
    package static func parse(yaml: String, baseDirectory: String) throws(TargetFileError) -> TargetConfiguration {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else { throw TargetFileError("the file is empty") }
            root = node
        } catch let e as TargetFileError {
            throw e
        } catch {
            throw TargetFileError("not valid YAML: \(error)")
        }
        let top = try mapping(root, "the document")
        try checkKeys(top, allowed: topKeys, in: "the top level")
        func resolve(_ p: String) -> String { p.hasPrefix("/") ? p : baseDirectory + "/" + p }

        let discoverySection = try discoverySection(top)
        let ewsURL = try string(top, "ews_url", required: discoverySection == nil) ?? DiscoverySettings.placeholderURL
        guard let url = URL(string: ewsURL), let scheme = url.scheme?.lowercased(), url.host != nil else {
            throw TargetFileError("ews_url '\(ewsURL)' is not an absolute https URL")
        }
        guard scheme == "https" else {
            throw TargetFileError("ews_url '\(ewsURL)' must use https: credentials are never sent over plain http")
        }
        let accountNode = try requiredMapping(top, "service_account")
        try rejectInlineSecrets(accountNode)
        try checkKeys(accountNode, allowed: accountKeys, in: "service_account")
        let authText = try string(accountNode, "auth", path: "service_account.") ?? "ntlm"
        guard let auth = AuthScheme(rawValue: authText.lowercased()) else {
            throw TargetFileError("service_account.auth is '\(authText)'; expected one of: \(AuthScheme.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let serviceAccount: ServiceAccount
        if auth == .oauth2 {
            try rejectKerberosKeys(accountNode, auth: auth)
            serviceAccount = try oauthServiceAccount(accountNode, resolve: resolve)
        } else if auth == .negotiate {
            serviceAccount = try kerberosServiceAccount(accountNode, ewsURL: ewsURL, resolve: resolve)
        } else {
            try rejectOAuthKeys(accountNode, auth: auth)
            try rejectKerberosKeys(accountNode, auth: auth)
            let username = try string(accountNode, "username", required: true, path: "service_account.") ?? ""
            let env = try string(accountNode, "password_env", path: "service_account.")
            let file = try string(accountNode, "password_file", path: "service_account.")
            let secret: SecretSource
            switch (env, file) {
            case (let e?, nil): secret = .environment(e)
            case (nil, let f?): secret = .file(resolve(f))
            case (nil, nil): throw TargetFileError("service_account needs password_env or password_file (the password itself never goes in the file)")
            default: throw TargetFileError("service_account has both password_env and password_file; keep one")
            }
            serviceAccount = ServiceAccount(username: username, auth: auth, secret: secret)
        }

        // Inline (`mailboxes:`) or from a file (`mailboxes_file:`); see TargetConfiguration+Mailboxes.swift.
        let (mailboxes, mailboxEntries) = try parseMailboxes(top, resolve: resolve)

        var outOfScope: String?
        var nonexistent: String?
        var unprivileged: UnprivilegedAccount?
        var controlsMapping: Node.Mapping?
        if let controls = top["negative_controls"] {
            let m = try mapping(controls, "negative_controls")
            try checkKeys(m, allowed: controlKeys, in: "negative_controls")
            outOfScope = try string(m, "out_of_scope_mailbox", path: "negative_controls.")?.lowercased()
            nonexistent = try string(m, "nonexistent_mailbox", path: "negative_controls.")?.lowercased()
            unprivileged = try parseUnprivilegedAccount(m, resolve: resolve)
            controlsMapping = m
        }
        var caFile: String?
        var insecure = false
        if let tlsNode = top["tls"] {
            let m = try mapping(tlsNode, "tls")
            try checkKeys(m, allowed: tlsKeys, in: "tls")
            caFile = try string(m, "ca_file", path: "tls.").map(resolve)
            if let v = m["insecure"] {
                guard let b = v.bool else { throw TargetFileError("tls.insecure (line \(line(v))) must be true or false") }
                insecure = b
            }
        }
        var pins: [HostPin] = []
        if let pinsNode = top["host_pins"] {
            guard let seq = pinsNode.sequence else { throw TargetFileError("host_pins (line \(line(pinsNode))) must be a list of host:port:address") }
            for item in seq {
                guard let s = item.scalar?.string, let pin = HostPin(parsing: s) else {
                    throw TargetFileError("host_pins entry at line \(line(item)) is not host:port:address[:port]")
                }
                pins.append(pin)
            }
        }
        var concurrency = 4
        if let c = top["concurrency"] {
            guard let n = c.int, (1...64).contains(n) else { throw TargetFileError("concurrency (line \(line(c))) must be a whole number from 1 to 64") }
            concurrency = n
        }
        let version = try string(top, "request_version").map { ExchangeVersion($0) } ?? .exchange2013SP1
        guard version.isKnown else {
            throw TargetFileError("request_version '\(version)' is not an ExchangeVersionType value (e.g. Exchange2013_SP1, Exchange2016)")
        }
        var target = TargetConfiguration(
            name: try string(top, "name") ?? (url.host ?? ewsURL), ewsURL: ewsURL, requestVersion: version,
            serviceAccount: serviceAccount,
            mailboxes: mailboxes, outOfScopeMailbox: outOfScope, nonexistentMailbox: nonexistent,
            caFile: caFile, insecure: insecure, hostPins: pins, concurrency: concurrency)
        target.requestVersionIsExplicit = top["request_version"] != nil
        target.mailboxEntries = mailboxEntries
        target.unprivilegedAccount = unprivileged
        if let controlsMapping { try target.applyKerberosControls(controlsMapping, resolve: resolve) }
        if top["ews_url"] == nil { target.awaitDiscoveredEWSURL() }
        if let discoverySection {
            target.discovery = try discoverySettings(discoverySection, mailboxes: mailboxes)
            if top["name"] == nil, target.ewsURLIsPending { target.name = "\(target.discovery?.address.split(separator: "@").last ?? "") (discovered)" }
        }
        if let v = top["must_fail_auth"] {
            guard let b = v.bool else { throw TargetFileError("must_fail_auth (line \(line(v))) must be true or false") }
            target.mustFailAuth = b
        }
        if let v = top["notification_latency_ms"] {
            guard let n = v.int, (1...600_000).contains(n) else {
                throw TargetFileError("notification_latency_ms (line \(line(v))) must be a whole number of milliseconds from 1 to 600000")
            }
            target.notificationLatencyMilliseconds = n
        }
        if let list = try string(top, "distribution_list") {
            let address = list.trimmingCharacters(in: .whitespaces)
            let parts = address.split(separator: "@", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), !address.contains(where: \.isWhitespace) else {
                throw TargetFileError("distribution_list (line \(top["distribution_list"].map(line) ?? 0)) must be the SMTP address of a distribution list, like support@contoso.com")
            }
            target.distributionList = address.lowercased()
        }
        try target.parseConnection(top, resolve: resolve)
        return target
    }

    static func line(_ node: Node) -> Int { (node.mark?.line ?? 0) }

    private static func mapping(_ node: Node, _ what: String) throws(TargetFileError) -> Node.Mapping {
        guard let m = node.mapping else { throw TargetFileError("\(what) (line \(line(node))) must be a mapping of keys to values") }
        return m
    }

    private static func requiredMapping(_ m: Node.Mapping, _ key: String) throws(TargetFileError) -> Node.Mapping {
        guard let node = m[key] else { throw TargetFileError("missing required key '\(key)'") }
        return try mapping(node, key)
    }

    private static func checkKeys(_ m: Node.Mapping, allowed: [String], in section: String) throws(TargetFileError) {
        for key in m.keys {
            let name = key.scalar?.string ?? "?"
            if !allowed.contains(name) {
                throw TargetFileError("unknown key '\(name)' at line \(line(key)) in \(section) (allowed: \(allowed.joined(separator: ", ")))")
            }
        }
    }

    static func string(_ m: Node.Mapping, _ key: String, required: Bool = false, path: String = "") throws(TargetFileError) -> String? {
        guard let node = m[key] else {
            if required { throw TargetFileError("missing required key '\(path)\(key)'") }
            return nil
        }
        guard let s = node.scalar?.string, !s.isEmpty else {
            throw TargetFileError("\(path)\(key) (line \(line(node))) must be a non-empty string")
        }
        return s
    }
}

extension TargetConfiguration {
    /// Marks the EWS URL as still to be discovered; ``ewsURL`` holds the `.invalid` placeholder until
    /// ``adopt(discoveredEWSURL:)``.
    package mutating func awaitDiscoveredEWSURL() {
        ewsURL = DiscoverySettings.placeholderURL
        ewsURLIsPending = true
    }

    /// Uses the EWS URL discovery found (or any URL chosen later, such as a command-line override).
    package mutating func adopt(discoveredEWSURL url: String) {
        ewsURL = url
        ewsURLIsPending = false
    }

    /// Narrows the mailboxes certified to `kept` (a subset, in the order given); the file's
    /// entries (upn, sid) follow.
    package mutating func keepOnly(mailboxes kept: [String]) {
        mailboxes = kept
        let set = Set(kept.map { $0.lowercased() })
        mailboxEntries = mailboxEntries.filter { set.contains($0.address.lowercased()) }
    }
}
