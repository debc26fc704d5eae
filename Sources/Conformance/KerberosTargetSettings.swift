private import EWSExecutor
import EWSTransport
import Foundation
import Synchronization
import Yams

extension TargetConfiguration {
    /// The Kerberos settings of an `auth: negotiate` service account. The principal is the
    /// account's `username` (`svc@CONTOSO.COM`); its key comes from `keytab_file` or, like
    /// `kinit`, from the password source. Where the KDC is comes from krb5.conf (`KRB5_CONFIG`).
    package struct Kerberos: Sendable, Hashable {
        /// The server's SPN when it is not `HTTP/<host of ews_url>` (`HTTP/mail.contoso.com`).
        package var servicePrincipal: String?
        /// A principal of the realm that must NOT get into EWS (the must-fail wrong-principal
        /// check), from `negative_controls.kerberos_principal`.
        package var wrongPrincipal: String?
        /// The keytab of ``wrongPrincipal``.
        package var wrongPrincipalKeytab: String?

        /// Creates settings.
        package init(servicePrincipal: String? = nil, wrongPrincipal: String? = nil, wrongPrincipalKeytab: String? = nil) {
            self.servicePrincipal = servicePrincipal
            self.wrongPrincipal = wrongPrincipal
            self.wrongPrincipalKeytab = wrongPrincipalKeytab
        }
    }

    /// The `service_account` keys only `auth: negotiate` uses.
    static let kerberosAccountKeys = ["keytab_file", "spn"]
    /// The `negative_controls` keys of the wrong-principal check.
    static let kerberosControlKeys = ["kerberos_principal", "kerberos_keytab_file"]

    /// The SPN the server is asked for: the override, or `HTTP/<host of ews_url>`.
    package var servicePrincipal: String {
        if let spn = serviceAccount.kerberos?.servicePrincipal { return spn }
        return "HTTP/" + (URL(string: ewsURL)?.host ?? "")
    }

    /// Reads the `service_account` of an `auth: negotiate` target.
    static func kerberosServiceAccount(_ m: Node.Mapping, ewsURL: String, resolve: (String) -> String) throws(TargetFileError) -> ServiceAccount {
        try rejectOAuthKeys(m, auth: .negotiate)
        let given = try string(m, "username", required: true, path: "service_account.") ?? ""
        guard let at = given.lastIndex(of: "@"), at != given.startIndex, given.index(after: at) != given.endIndex,
              !given.contains("\\") else {
            throw TargetFileError("service_account.username '\(given)' must be a Kerberos principal, user@REALM (svc-ews@CONTOSO.COM)")
        }
        // Kerberos realms are case-sensitive and Active Directory's is the DNS domain in capitals:
        // a UPN-style svc@contoso.com means svc@CONTOSO.COM.
        let username = String(given[..<at]) + "@" + given[given.index(after: at)...].uppercased()
        let keytab = try string(m, "keytab_file", path: "service_account.")
        let env = try string(m, "password_env", path: "service_account.")
        let file = try string(m, "password_file", path: "service_account.")
        let secret: SecretSource
        switch (keytab, env, file) {
        case (let k?, nil, nil): secret = .keytab(resolve(k))
        case (nil, let e?, nil): secret = .environment(e)
        case (nil, nil, let f?): secret = .file(resolve(f))
        case (nil, nil, nil):
            throw TargetFileError("service_account with auth: negotiate needs keytab_file, password_env or password_file (the secret itself never goes in the file)")
        default:
            throw TargetFileError("service_account has more than one of keytab_file, password_env and password_file; keep one")
        }
        var account = ServiceAccount(username: username, auth: .negotiate, secret: secret)
        var kerberos = Kerberos()
        if let spn = try string(m, "spn", path: "service_account.") {
            let parts = spn.split(separator: "/", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw TargetFileError("service_account.spn '\(spn)' (line \(m["spn"].map(line) ?? 0)) must be service/host (HTTP/mail.contoso.com)")
            }
            // libcurl builds the SPN from the URL's host; only the service part can differ.
            let host = parts[1].split(separator: "@").first.map { $0.lowercased() } ?? ""
            let urlHost = URL(string: ewsURL)?.host?.lowercased() ?? ""
            if host != urlHost {
                throw TargetFileError("service_account.spn '\(spn)' names host \(host), but ews_url's host is \(urlHost): address the server by the SPN's host name in ews_url (add a host_pins entry if it does not resolve to the server)")
            }
            kerberos.servicePrincipal = spn
        }
        account.kerberos = kerberos
        return account
    }

    /// Refuses the negotiate keys on another scheme's account.
    static func rejectKerberosKeys(_ m: Node.Mapping, auth: AuthScheme) throws(TargetFileError) {
        for key in kerberosAccountKeys {
            if let node = m[key] {
                throw TargetFileError("service_account.\(key) (line \(line(node))) is only used with auth: negotiate, not \(auth.rawValue)")
            }
        }
    }

    /// Reads the wrong-principal negative control into the account's Kerberos settings.
    mutating func applyKerberosControls(_ m: Node.Mapping, resolve: (String) -> String) throws(TargetFileError) {
        let principal = try Self.string(m, "kerberos_principal", path: "negative_controls.")
        let keytab = try Self.string(m, "kerberos_keytab_file", path: "negative_controls.")
        guard principal != nil || keytab != nil else { return }
        guard serviceAccount.auth == .negotiate else {
            throw TargetFileError("negative_controls.kerberos_principal is only used with auth: negotiate")
        }
        guard let principal, let keytab else {
            throw TargetFileError("negative_controls needs both kerberos_principal and kerberos_keytab_file")
        }
        serviceAccount.kerberos = serviceAccount.kerberos ?? Kerberos()
        serviceAccount.kerberos?.wrongPrincipal = principal
        serviceAccount.kerberos?.wrongPrincipalKeytab = resolve(keytab)
    }

    /// Gets the run's Kerberos tickets (what `kinit` does) into a private cache that is destroyed
    /// when the process ends, and returns the transport credentials that use it.
    ///
    /// A file that cannot be read is a target file error. A refusal by the KDC (wrong key, expired
    /// or disabled account, no KDC, clock skew) is not: the run goes on without a ticket, so the
    /// report shows it, named with its remedy, in `auth.negotiate.kerberos`.
    func negotiateCredentials(environment: [String: String], warnings: inout [String]) throws(TargetFileError) -> HTTPCredentials {
        let principal = serviceAccount.username
        let service = servicePrincipal.split(separator: "/").first.map(String.init) ?? "HTTP"
        if case .keytab(let keytab) = serviceAccount.secret, !FileManager.default.isReadableFile(atPath: keytab) {
            throw TargetFileError("service_account.keytab_file \(keytab) does not exist or cannot be read")
        }
        let cache: KerberosTicketCache
        do {
            if case .keytab(let keytab) = serviceAccount.secret {
                if let attrs = try? FileManager.default.attributesOfItem(atPath: keytab),
                   let mode = attrs[.posixPermissions] as? Int, mode & 0o077 != 0 {
                    warnings.append("keytab \(keytab) is readable by group or others (mode \(String(mode, radix: 8))); chmod 600 it")
                }
                cache = try KerberosTicketCache.login(principal: principal, keytab: keytab)
            } else {
                let password = try secretValue(environment: environment, warnings: &warnings)
                cache = try KerberosTicketCache.login(principal: principal, password: Secret(password))
            }
        } catch let failure as KerberosFailure {
            warnings.append("Kerberos sign-in for \(principal) failed: \(failure)")
            KerberosRunCaches.recordFailure(failure, principal: principal)
            // A cache name that holds nothing: every request goes without a ticket and is refused.
            let none = NSTemporaryDirectory() + "ewscheck-krb5cc-none-" + UUID().uuidString.prefix(12)
            return .negotiate(NegotiateCredentials(principal: principal, cacheName: "FILE:" + none, serviceName: service))
        } catch let error as TargetFileError {
            throw error
        } catch {
            throw TargetFileError("Kerberos sign-in for \(principal) failed: \(error)")
        }
        KerberosRunCaches.keep(cache)
        do {
            // Renews the ticket before it expires, for runs longer than one ticket.
            KerberosRunCaches.keep(try KerberosTicketSource(cache: cache))
        } catch {
            warnings.append("the Kerberos ticket of \(principal) cannot be renewed during the run (its end time could not be read: \(error)); a run longer than the ticket fails when it expires")
        }
        return .negotiate(NegotiateCredentials(principal: principal, cacheName: cache.name, serviceName: service))
    }
}

/// The credential caches this process made, destroyed when it exits (normally, or after Ctrl-C
/// or SIGTERM, which end the run and then the process): a ticket never outlives its run.
package enum KerberosRunCaches {
    private static let caches = Mutex<[KerberosTicketCache]>([])
    private static let registered = Mutex(false)

    static func keep(_ cache: KerberosTicketCache) {
        caches.locked { $0.append(cache) }
        let first = registered.locked { done -> Bool in
            defer { done = true }
            return !done
        }
        if first { atexit { KerberosRunCaches.destroyAll() } }
    }

    private static let sources = Mutex<[String: KerberosTicketSource]>([:])

    /// Keeps the source that renews the tickets of a cache this process made.
    static func keep(_ source: KerberosTicketSource) {
        sources.locked { $0[source.cache.name] = source }
    }

    /// What renews the tickets of the cache `credentials` use; nil for other credentials, or a
    /// cache this process did not make.
    package static func source(for credentials: HTTPCredentials) -> KerberosTicketSource? {
        guard case .negotiate(let negotiate) = credentials else { return nil }
        return sources.locked { $0[negotiate.cacheName] }
    }

    private static let failures = Mutex<[String: KerberosFailure]>([:])

    static func recordFailure(_ failure: KerberosFailure, principal: String) {
        failures.locked { $0[principal] = failure }
    }

    /// Why the KDC gave `principal` no ticket this run, if it did not.
    static func failure(for principal: String) -> KerberosFailure? {
        failures.locked { $0[principal] }
    }

    /// Destroys every cache made so far.
    package static func destroyAll() {
        let all = caches.locked { list -> [KerberosTicketCache] in
            defer { list = [] }
            return list
        }
        for cache in all { cache.destroy() }
    }
}
