import ArgumentParser
import Conformance
#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// `ewscheck init`: writes a commented target file from flags, asking on a terminal for what is missing.
struct Init: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a commented target file to start from.",
        discussion: """
            Flags fill in the file; on a terminal, ewscheck asks for what they leave out. The file holds no secret: \
            the password (or client secret) is read from the environment variable it names.

            Examples:
              ewscheck init --url https://mail.hoster.example/EWS/Exchange.asmx --username svc@hoster.example --auth ntlm --mailbox a@hoster.example
              ewscheck init --email-domain contoso.com --profile exchange-online --auth oauth2 --output contoso.yaml
            """)

    enum Auth: String, ExpressibleByArgument, CaseIterable { case basic, ntlm, digest, oauth2, negotiate }

    @Option(name: .customLong("output"), help: "Where to write the target file.")
    var output: String = "target.yaml"

    @Option(name: .customLong("profile"), help: "The provider profile the target is meant for (written as a comment with the run command).")
    var profile: String?

    @Option(name: .customLong("url"), help: "The EWS URL (https://…/EWS/Exchange.asmx).")
    var url: String?

    @Option(name: .customLong("email-domain"), help: "Find the EWS URL with Autodiscover for this domain instead of --url.")
    var emailDomain: String?

    @Option(name: .customLong("auth"), help: "basic, ntlm, digest, oauth2 or negotiate.")
    var auth: Auth?

    @Option(name: .customLong("username"), help: "The service account (UPN, DOMAIN\\\\user); for oauth2 the application's client id.")
    var username: String?

    @Option(name: .customLong("tenant"), help: "oauth2: the Entra tenant (name or GUID).")
    var tenant: String?

    @Option(name: .customLong("mailbox"), help: "A mailbox to certify (repeatable).")
    var mailboxes: [String] = []

    @Flag(name: .customLong("force"), help: "Overwrite an existing file.")
    var force = false

    func validate() throws {
        if url != nil && emailDomain != nil { throw ValidationError("give --url or --email-domain, not both") }
        if let url, !url.lowercased().hasPrefix("https://") { throw ValidationError("--url must be an https URL") }
        for m in mailboxes where !DomainCheck.isAddress(m) { throw ValidationError("--mailbox '\(m)' is not an e-mail address") }
    }

    func run() async throws {
        if FileManager.default.fileExists(atPath: output) && !force {
            Console.err("ewscheck: \(output) exists; --force overwrites it")
            throw ExitCode(ExitStatus.usage)
        }
        let interactive = isatty(STDIN_FILENO) == 1
        func ask(_ question: String, _ missing: String) throws -> String {
            guard interactive else {
                Console.err("ewscheck: \(missing) is missing (give it as a flag; ewscheck asks only on a terminal)")
                throw ExitCode(ExitStatus.usage)
            }
            Console.out(question)
            guard let line = readLine(), !line.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw ExitCode(ExitStatus.usage)
            }
            return line.trimmingCharacters(in: .whitespaces)
        }
        var url = self.url
        var domain = emailDomain
        if url == nil && domain == nil {
            let answer = try ask("EWS URL (https://…/EWS/Exchange.asmx), or an e-mail domain to find it with Autodiscover:", "--url or --email-domain")
            if answer.lowercased().hasPrefix("https://") { url = answer } else { domain = answer }
        }
        let auth = try self.auth ?? Auth(rawValue: ask("Authentication (basic, ntlm, digest, oauth2, negotiate):", "--auth").lowercased())
            ?? { Console.err("ewscheck: unknown authentication"); throw ExitCode(ExitStatus.usage) }()
        let username = try self.username ?? ask(auth == .oauth2 ? "Application (client) id:" : "Service account (UPN or DOMAIN\\user):", "--username")
        var mailboxes = self.mailboxes
        if mailboxes.isEmpty {
            mailboxes = try ask("Mailboxes to certify (comma-separated):", "--mailbox").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let tenant = auth == .oauth2 ? try self.tenant ?? ask("Entra tenant (contoso.onmicrosoft.com or GUID):", "--tenant") : nil
        let text = Self.render(url: url, domain: domain, auth: auth, username: username, tenant: tenant, mailboxes: mailboxes,
                               profile: profile, output: output)
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            Console.err("ewscheck: cannot write \(output): \(error.localizedDescription)")
            throw ExitCode(ExitStatus.usage)
        }
        Console.out("wrote \(output); next: set \(auth == .oauth2 ? "EWSCHECK_CLIENT_SECRET" : "EWSCHECK_PASSWORD") and run\n  ewscheck run --target \(output)\(profile.map { " --profile \($0)" } ?? "")")
    }

    /// The target file's text.
    static func render(url: String?, domain: String?, auth: Auth, username: String, tenant: String?, mailboxes: [String],
                       profile: String?, output: String) -> String {
        func q(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        var y = """
            # ewscheck target file, written by `ewscheck init`. Run it with:
            #   ewscheck run --target \(output)\(profile.map { " --profile \($0)" } ?? "")
            # Relative paths are relative to this file. No secret goes in here: see service_account below.

            # Shown in reports.
            name: \(q(url.flatMap { URL(string: $0)?.host } ?? domain ?? "provider"))

            """
        if let url {
            y += "# The EWS endpoint.\news_url: \(q(url))\n"
        } else if let domain {
            y += """
                # No EWS URL: Autodiscover finds it (the discovery.* checks record every hop).
                discovery:
                  email_domain: \(q(domain))

                """
        }
        y += "\nservice_account:\n"
        if auth == .oauth2 {
            y += """
                  auth: oauth2
                  tenant_id: \(q(tenant ?? ""))
                  client_id: \(q(username))
                  # The client secret is read from this environment variable (or client_secret_file: a chmod 600 file).
                  client_secret_env: EWSCHECK_CLIENT_SECRET

                """
        } else if auth == .negotiate {
            y += """
                  # The Kerberos principal, user@REALM; krb5.conf (or KRB5_CONFIG) says where the KDC is.
                  username: \(q(username))
                  auth: negotiate
                  # kinit with the password from this environment variable (or password_file: a chmod 600 file),
                  # or instead keytab_file: svc.keytab (chmod 600). spn: HTTP/<host> if the server's SPN differs.
                  password_env: EWSCHECK_PASSWORD

                """
        } else {
            y += """
                  # UPN, SMTP address, DOMAIN\\user or user.
                  username: \(q(username))
                  auth: \(auth.rawValue)
                  # The password is read from this environment variable (or password_file: a chmod 600 file).
                  password_env: EWSCHECK_PASSWORD

                """
        }
        y += """

            # Every mailbox here is impersonated and gets test items that are removed again.
            mailboxes:
            \(mailboxes.map { "  - \(q($0))" }.joined(separator: "\n"))

            # Must-fail checks; without them those checks are skipped with a reason.
            # negative_controls:
            #   out_of_scope_mailbox: someone-outside-the-scope@example.com
            #   nonexistent_mailbox: nobody-ewscheck@example.com

            tls:
              # A private CA: ca_file: certs/private-ca.pem. Turning verification off (insecure: true) is
              # stamped into every report.
              insecure: false

            # Requests in flight at once (1-64).
            concurrency: 4

            """
        return y
    }
}
