import EWSSimulator
import Foundation

/// The files a running simulator leaves in its state folder for people, tests and other tools:
/// the service account's password (mode 600), a ready target file, and `simulator.json`.
struct SimulatorStateFiles {
    let directory: String
    let targetFile: String
    let passwordFile: String
    let infoFile: String
    let mailboxesFile: String

    init(directory: String) {
        self.directory = directory
        targetFile = directory + "/target.yaml"
        passwordFile = directory + "/secrets/svc-ewscheck.password"
        infoFile = directory + "/simulator.json"
        mailboxesFile = directory + "/mailboxes.csv"
    }

    /// - Parameter mailboxesFromFile: the target file names mailboxes.csv (`mailboxes_file:`)
    ///   instead of listing the mailboxes inline.
    func write(for simulator: Simulator, reachable: Bool = true, mailboxesFromFile: Bool = false) throws {
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory + "/secrets", withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o700])
        fm.createFile(atPath: passwordFile, contents: Data(simulator.serviceAccountPassword.utf8), attributes: [.posixPermissions: 0o600])
        fm.createFile(atPath: directory + "/secrets/svc-noimpersonation.password", contents: Data(simulator.unprivilegedAccountPassword.utf8),
                      attributes: [.posixPermissions: 0o600])
        let domain = simulator.configuration.domain
        try writeMailboxesFile(for: simulator)
        let oauth = try writeOAuthSecrets(for: simulator)
        let mailboxes = mailboxesYAML(for: simulator, fromFile: mailboxesFromFile)
        let yaml = oauth.map { oauthTargetYAML(for: simulator, secretFile: $0.secretFile, mailboxes: mailboxes) } ?? """
            # Target file for the ewscheck simulator on port \(simulator.port) (written by ewscheck).
            name: "\(simulator.configuration.flavor == .genericHoster ? "Simulated hoster (Exchange 2013, Basic)" : "Simulated Exchange 2019 (on-premises)") at mail.\(domain)"
            ews_url: "\(simulator.ewsURL)"
            service_account:
              username: "\(simulator.serviceAccount)"
              auth: \(simulator.configuration.flavor == .genericHoster ? "basic" : "ntlm")
              password_file: secrets/svc-ewscheck.password
            \(mailboxes)
            host_pins:
              - "mail.\(domain):\(simulator.port):127.0.0.1"

            """
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: targetFile), options: .atomic)
        let info: [String: Any] = [
            "port": simulator.port, "ews_url": simulator.ewsURL, "loopback_ews_url": simulator.loopbackEWSURL,
            "autodiscover_url": simulator.autodiscoverURL, "ca_file": simulator.caFile, "domain": domain,
            "netbios_domain": simulator.tenant.netbiosDomain, "flavor": simulator.configuration.flavor.rawValue,
            "service_account": ["username": simulator.serviceAccount, "sam_account_name": "svc-ewscheck", "password_file": passwordFile],
            "mailboxes": simulator.mailboxesInScope, "out_of_scope_mailbox": simulator.mailboxOutOfScope,
            "nonexistent_mailbox": simulator.nonexistentMailbox, "target_file": targetFile, "mailboxes_file": mailboxesFile,
            "request_log": directory + "/requests.jsonl", "pid": Int(ProcessInfo.processInfo.processIdentifier),
            "http_port": simulator.httpPort, "autodiscover_layout": simulator.configuration.autodiscoverLayout.rawValue,
        ]
        let data = try JSONSerialization.data(withJSONObject: info.merging(["oauth": oauth?.info as Any].filter { $0.value is [String: Any] }) { a, _ in a },
                                              options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: URL(fileURLWithPath: infoFile), options: .atomic)
    }

    /// Exchange Online (exchange-online flavor): each app's client secret in `secrets/` (mode
    /// 600) and the `oauth` section of simulator.json, which names the files, never the secrets.
    private func writeOAuthSecrets(for simulator: Simulator) throws -> (info: [String: Any], secretFile: String)? {
        guard let entra = simulator.entra, let tenant = simulator.tenantID, let endpoint = simulator.tokenEndpointURL else { return nil }
        var apps: [[String: Any]] = []
        for app in entra.applications {
            let file = directory + "/secrets/oauth-\(app.clientID).secret"
            FileManager.default.createFile(atPath: file, contents: Data((entra.clientSecret(of: app.clientID) ?? "").utf8),
                                           attributes: [.posixPermissions: 0o600])
            apps.append(["client_id": app.clientID, "display_name": app.displayName, "roles": app.roles,
                         "ews_allowed": entra.ewsApplicationAccessPolicy.allowsEWS(app.clientID), "client_secret_file": file])
        }
        let primary = directory + "/secrets/oauth-\(entra.consentedApplication.clientID).secret"
        var info: [String: Any] = [
            "tenant_id": tenant, "client_id": entra.consentedApplication.clientID, "client_secret_file": primary,
            "token_endpoint": endpoint, "scope": "https://outlook.office365.com/.default", "ews_url": simulator.outlookURL,
            "hosts": [ExchangeOnlineHosts.outlook, ExchangeOnlineHosts.login], "applications": apps,
        ]
        // A certificate registered on the consented app, for certificate credentials (key mode 600).
        if let issued = try? entra.issueCertificate(for: entra.consentedApplication.clientID) {
            FileManager.default.createFile(atPath: clientCertificateFile, contents: Data(issued.certificatePEM.utf8),
                                           attributes: [.posixPermissions: 0o644])
            FileManager.default.createFile(atPath: clientKeyFile, contents: Data(issued.privateKeyPEM.utf8),
                                           attributes: [.posixPermissions: 0o600])
            info["client_certificate_file"] = clientCertificateFile
            info["client_key_file"] = clientKeyFile
            info["client_certificate_thumbprint"] = issued.thumbprintHex
        }
        // A delegated (user) token for the must-fail check that it may not impersonate (mode 600).
        if let first = simulator.mailboxesInScope.first, let user = simulator.tenant.user(primarySmtp: first) {
            var request = AccessTokenRequest(clientID: entra.consentedApplication.clientID)
            request.kind = .delegated(user: user)
            request.lifetime = 24 * 3600
            FileManager.default.createFile(atPath: directory + "/secrets/delegated.token", contents: Data(entra.mintAccessToken(request).utf8),
                                           attributes: [.posixPermissions: 0o600])
            info["delegated_token_file"] = directory + "/secrets/delegated.token"
        }
        return (info, "secrets/oauth-\(entra.consentedApplication.clientID).secret")
    }

    /// The consented app's certificate (exchange-online flavor).
    var clientCertificateFile: String { directory + "/secrets/oauth-app.crt" }
    /// Its private key, mode 600.
    var clientKeyFile: String { directory + "/secrets/oauth-app.key" }

    /// mailboxes.csv: every in-scope mailbox with its UPN and SID, as `mailboxes_file:` reads it.
    private func writeMailboxesFile(for simulator: Simulator) throws {
        var text = "# The simulator's in-scope mailboxes (written by ewscheck).\naddress,upn,sid\n"
        for address in simulator.mailboxesInScope {
            let user = simulator.tenant.user(primarySmtp: address)
            text += "\(address),\(user?.userPrincipalName ?? ""),\(user?.sid ?? "")\n"
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: mailboxesFile), options: .atomic)
    }

    /// The part every simulator target shares: mailboxes, negative controls, the CA.
    private func mailboxesYAML(for simulator: Simulator, fromFile: Bool) -> String {
        // Each mailbox with its UPN and SID, so every ConnectingSID form can be tried.
        let inline = simulator.mailboxesInScope.flatMap { address -> [String] in
            guard let user = simulator.tenant.user(primarySmtp: address) else { return ["  - \(address)"] }
            return ["  - address: \(address)", "    upn: \(user.userPrincipalName)", "    sid: \(user.sid)"]
        }
        // An account without the impersonation right, for the password schemes (Exchange Online has no such role).
        let unprivileged = simulator.entra != nil ? [] : [
            "  unprivileged_account:",
            "    username: \(simulator.unprivilegedAccount)",
            "    password_file: secrets/svc-noimpersonation.password",
        ]
        return ((fromFile ? ["mailboxes_file: mailboxes.csv"] : ["mailboxes:"] + inline) + [
            "negative_controls:",
            "  out_of_scope_mailbox: \(simulator.mailboxOutOfScope)",
            "  nonexistent_mailbox: \(simulator.nonexistentMailbox)",
        ] + unprivileged + [
            // The directory's support list, for directory.expand-dl.
            "distribution_list: support@\(simulator.configuration.domain)",
            "tls:",
            "  ca_file: ca.pem",
        ]).joined(separator: "\n")
    }

    private func oauthTargetYAML(for simulator: Simulator, secretFile: String, mailboxes: String) -> String {
        """
        # Target file for the ewscheck simulator (exchange-online) on port \(simulator.port) (written by ewscheck).
        name: "Simulated Exchange Online (\(simulator.configuration.domain))"
        ews_url: "\(simulator.outlookURL)"
        service_account:
          auth: oauth2
          tenant_id: "\(simulator.tenantID ?? "")"
          client_id: "\(simulator.clientID ?? "")"
          client_secret_file: \(secretFile)
          delegated_token_file: secrets/delegated.token
          token_endpoint: "\(simulator.tokenEndpointURL ?? "")"
        \(mailboxes)
        host_pins:
        \(simulator.exchangeOnlineHostPins.map { "  - \"\($0)\"" }.joined(separator: "\n"))

        """
    }

    /// The console lines about the Entra tenant (empty for flavors without one).
    func oauthSummary(for simulator: Simulator) -> String {
        guard let tenant = simulator.tenantID, let client = simulator.clientID, let endpoint = simulator.tokenEndpointURL else { return "" }
        return """

              EWS (EXO):    \(simulator.outlookURL)  (pin outlook.office365.com and login.microsoftonline.com to 127.0.0.1)
              tenant:       \(tenant)
              app:          \(client) (client secret in \(directory)/secrets/oauth-\(client).secret)
              token:        \(endpoint)
            """
    }

    /// `../shared/ews-schemas/v2017` when it exists next to the working folder, or `$EWSCHECK_SCHEMA_DIR`.
    static func defaultSchemaDirectory() -> String? {
        if let env = ProcessInfo.processInfo.environment["EWSCHECK_SCHEMA_DIR"], !env.isEmpty { return env }
        let candidate = FileManager.default.currentDirectoryPath + "/../shared/ews-schemas/v2017"
        return FileManager.default.fileExists(atPath: candidate + "/messages.xsd") ? URL(fileURLWithPath: candidate).standardized.path : nil
    }
}
