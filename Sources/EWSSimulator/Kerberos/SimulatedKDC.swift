#if canImport(Glibc)
import Glibc
#endif
private import EWSExecutor
import Foundation
import Synchronization

/// A throwaway MIT Kerberos KDC on loopback for the simulated organisation: a fresh realm
/// (`CONTOSO.COM`) in a private folder, the web server's service principal and keytab, the
/// service account, and principals for the negative cases. Tests and `ewscheck demo --auth
/// negotiate` start one; ``stop()`` ends the KDC and deletes the realm, keys included.
///
/// Needs Debian's `krb5-kdc` and `krb5-admin-server` (`krb5kdc`, `kdb5_util`, `kadmin.local`).
package final class SimulatedKDC: Sendable {
    /// The realm (`CONTOSO.COM`).
    package let realm: String
    /// The private folder holding the database, keytabs and configuration.
    package let directory: String
    /// The KDC's TCP and UDP port on 127.0.0.1.
    package let port: Int
    /// The web server's service principal (`HTTP/mail.contoso.com`).
    package let servicePrincipal: String
    /// The service account's principal (`svc-ewscheck@CONTOSO.COM`).
    package let serviceAccountPrincipal: String
    /// A principal with a valid key and no account in the tenant (`nomailbox@CONTOSO.COM`).
    package let unmappedPrincipal: String
    /// A principal whose account expired (`expired@CONTOSO.COM`).
    package let expiredPrincipal: String
    /// A principal that may not get tickets (`disabled@CONTOSO.COM`).
    package let disabledPrincipal: String
    /// A registered SPN whose key the simulator does not have (`HTTP/decoy.contoso.com`): a
    /// ticket for it is a ticket for the wrong service.
    package let decoyServicePrincipal: String
    /// The password of the expired and disabled principals (random; they are refused anyway).
    package let negativePassword: String
    private let pid: pid_t
    /// The write end of the KDC's watchdog pipe: when it closes (``stop()``, or this process
    /// ending in any way, even SIGKILL), the watchdog ends the KDC.
    private let watchdog: Int32
    /// Whether ``stop()`` ran (a test may stop the KDC before its fixture does; the watchdog's
    /// descriptor must be closed once, never a number another file has taken since).
    private let stopped = Mutex(false)

    /// The client configuration (`KRB5_CONFIG`): this realm, its KDC, no DNS, no reverse lookups.
    package var configFile: String { directory + "/krb5.conf" }
    /// The simulator's keytab (the service principal's key).
    package var serviceKeytab: String { directory + "/http.keytab" }
    /// The service account's keytab (its key, derived from its password).
    package var serviceAccountKeytab: String { directory + "/svc.keytab" }
    /// The unmapped principal's keytab.
    package var unmappedKeytab: String { directory + "/nomailbox.keytab" }

    /// Whether the MIT KDC programs are installed.
    package static var isInstalled: Bool {
        ["/usr/sbin/krb5kdc", "/usr/sbin/kdb5_util", "/usr/sbin/kadmin.local"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    private init(realm: String, directory: String, port: Int, domain: String, account: String, password: String, pid: pid_t, watchdog: Int32) {
        self.realm = realm
        self.directory = directory
        self.port = port
        self.pid = pid
        self.watchdog = watchdog
        servicePrincipal = "HTTP/mail.\(domain)"
        serviceAccountPrincipal = "\(account)@\(realm)"
        unmappedPrincipal = "nomailbox@\(realm)"
        expiredPrincipal = "expired@\(realm)"
        disabledPrincipal = "disabled@\(realm)"
        decoyServicePrincipal = "HTTP/decoy.\(domain)"
        negativePassword = password
    }

    /// Creates the realm and starts the KDC on a free loopback port.
    /// - Parameters:
    ///   - domain: the DNS domain (`contoso.com`); the realm is its upper case.
    ///   - serviceAccount: the service account's name (`svc-ewscheck`).
    ///   - serviceAccountPassword: its password, so password sign-in and keytab agree.
    ///   - ticketLifetime: the realm's longest ticket life in seconds (`max_life`; 10 hours unless
    ///     given): a few seconds let a test outlast tickets.
    package static func start(domain: String = "contoso.com", serviceAccount: String = "svc-ewscheck",
                             serviceAccountPassword: String, ticketLifetime: Int? = nil) async throws -> SimulatedKDC {
        guard isInstalled else {
            throw SimulatorError("the MIT KDC is not installed (apt-get install krb5-kdc krb5-admin-server krb5-user; scripts/setup.sh does)")
        }
        return try await withCheckedThrowingContinuation { continuation in
            // kdb5_util and kadmin.local block for a few milliseconds each: off the cooperative pool.
            DispatchQueue.global().async {
                continuation.resume(with: Result { try startBlocking(domain: domain, account: serviceAccount, password: serviceAccountPassword,
                                                                     ticketLifetime: ticketLifetime) })
            }
        }
    }

    private static func startBlocking(domain: String, account: String, password: String, ticketLifetime: Int?) throws -> SimulatedKDC {
        let realm = domain.uppercased()
        let directory = NSTemporaryDirectory() + "ewscheck-kdc-" + UUID().uuidString.prefix(8)
        let fm = FileManager.default
        try fm.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        do {
            let negative = "Neg-" + UUID().uuidString
            var lastFailure = ""
            // The KDC takes its port from kdc.conf: pick a free one, and retry if another process took it first.
            for _ in 0..<5 {
                let port = try freePort()
                try writeConfiguration(directory: directory, realm: realm, domain: domain, port: port,
                                       maxLife: ticketLifetime.map { "\(max(1, $0))s" } ?? "10h")
                if !fm.fileExists(atPath: directory + "/principal") {
                    try createRealm(directory: directory, realm: realm, domain: domain, account: account,
                                    password: password, negative: negative)
                }
                let log = directory + "/kdc.log"
                try? fm.removeItem(atPath: log)
                // A watchdog shares the KDC's process group and reads (on fd 3; a background
                // job's stdin is /dev/null) a pipe only this process holds open: at EOF it ends
                // the KDC and, once the realm served, deletes it. So neither outlives this
                // process, however it ends. (The shell's $$ is the KDC, which replaces the shell.)
                var fds: [Int32] = [-1, -1]
                guard pipe(&fds) == 0 else { throw SimulatorError("pipe: \(String(cString: strerror(errno)))") }
                // (pipe2 with O_CLOEXEC is not visible from Swift's Glibc module; a spawn by another
                // thread in between could inherit the write end and delay the watchdog.)
                for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
                let script = #"( cat <&3 >/dev/null; kill -TERM $$ 2>/dev/null; [ -e "$2/serving" ] && rm -rf "$2" ) & exec /usr/sbin/krb5kdc -n -r "$1" 3<&-"#
                let pid: pid_t
                do {
                    pid = try spawn(["/bin/sh", "-c", script, "sh", realm, directory], directory: directory, output: log,
                                    watchdogDescriptor: fds[0])
                } catch {
                    close(fds[0]); close(fds[1])
                    throw error
                }
                close(fds[0])
                switch waitUntilServing(pid: pid, log: log) {
                case .serving:
                    fm.createFile(atPath: directory + "/serving", contents: nil)
                    return SimulatedKDC(realm: realm, directory: directory, port: port, domain: domain, account: account,
                                        password: negative, pid: pid, watchdog: fds[1])
                case .exited(let text):
                    close(fds[1])
                    lastFailure = text
                    if !text.contains("in use") { throw SimulatorError("krb5kdc did not start: \(text)") }
                case .timedOut:
                    close(fds[1])
                    kill(-pid, SIGKILL)
                    var status: Int32 = 0
                    waitpid(pid, &status, 0)
                    throw SimulatorError("krb5kdc did not start serving within 10 seconds")
                }
            }
            throw SimulatorError("krb5kdc found no free port: \(lastFailure)")
        } catch {
            try? fm.removeItem(atPath: directory)
            throw error
        }
    }

    /// Stops the KDC and deletes the realm (database, keytabs, configuration); a second call does nothing.
    package func stop() async {
        let first = stopped.locked { done -> Bool in
            defer { done = true }
            return !done
        }
        guard first else { return }
        let pid = self.pid
        let directory = self.directory
        let watchdog = self.watchdog
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                // This process deletes the realm itself; the watchdog only ends the KDC.
                unlink(directory + "/serving")
                close(watchdog)
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                kill(-pid, SIGKILL)  // the watchdog, if it is still there
                try? FileManager.default.removeItem(atPath: directory)
                continuation.resume()
            }
        }
    }

    // MARK: - Realm set-up

    private static func writeConfiguration(directory: String, realm: String, domain: String, port: Int, maxLife: String) throws {
        let client = """
            [libdefaults]
              default_realm = \(realm)
              dns_lookup_kdc = false
              dns_lookup_realm = false
              rdns = false
              dns_canonicalize_hostname = false
              udp_preference_limit = 1
              default_ccache_name = FILE:\(directory)/default.ccache
            [realms]
              \(realm) = {
                kdc = 127.0.0.1:\(port)
              }
            [domain_realm]
              .\(domain) = \(realm)
              \(domain) = \(realm)

            """
        let kdc = """
            [kdcdefaults]
              kdc_listen = 127.0.0.1:\(port)
              kdc_tcp_listen = 127.0.0.1:\(port)
            [realms]
              \(realm) = {
                database_name = \(directory)/principal
                key_stash_file = \(directory)/stash
                acl_file = \(directory)/kadm5.acl
                max_life = \(maxLife)
              }
            [logging]
              kdc = FILE:\(directory)/kdc.log

            """
        try client.write(toFile: directory + "/krb5.conf", atomically: true, encoding: .utf8)
        try kdc.write(toFile: directory + "/kdc.conf", atomically: true, encoding: .utf8)
    }

    private static func createRealm(directory: String, realm: String, domain: String, account: String,
                                    password: String, negative: String) throws {
        let master = UUID().uuidString
        try run(["/usr/sbin/kdb5_util", "create", "-s", "-r", realm, "-P", master, "-W"], directory: directory)
        // Commands go on standard input from a file only the owner can read, removed at once:
        // passwords never appear in a process listing.
        let script = """
            addprinc -randkey HTTP/mail.\(domain)
            ktadd -k \(directory)/http.keytab HTTP/mail.\(domain)
            addprinc -randkey HTTP/decoy.\(domain)
            addprinc -pw \(password) \(account)
            ktadd -k \(directory)/svc.keytab -norandkey \(account)
            addprinc -randkey nomailbox
            ktadd -k \(directory)/nomailbox.keytab nomailbox
            addprinc -pw \(negative) -expire "2000-01-01 00:00:00 UTC" expired
            addprinc -pw \(negative) -allow_tix disabled

            """
        let file = directory + "/kadmin.commands"
        guard FileManager.default.createFile(atPath: file, contents: Data(script.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw SimulatorError("cannot write \(file)")
        }
        defer { try? FileManager.default.removeItem(atPath: file) }
        try run(["/usr/sbin/kadmin.local", "-r", realm], directory: directory, input: file)
        for keytab in ["http.keytab", "svc.keytab", "nomailbox.keytab"] where !FileManager.default.fileExists(atPath: directory + "/" + keytab) {
            throw SimulatorError("kadmin.local did not write \(keytab) (see \(directory)/setup.log)")
        }
    }

    // MARK: - Processes

    private static func environment(directory: String) -> [String] {
        var env = ProcessInfo.processInfo.environment
        env["KRB5_CONFIG"] = directory + "/krb5.conf"
        env["KRB5_KDC_PROFILE"] = directory + "/kdc.conf"
        return env.map { "\($0.key)=\($0.value)" }
    }

    /// Spawns a child in its own process group with an empty signal mask and default
    /// dispositions (a daemon must not inherit a test runner's blocked SIGTERM).
    private static func spawn(_ argv: [String], directory: String, output: String, input: String = "/dev/null",
                              watchdogDescriptor: Int32? = nil) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
        if let watchdogDescriptor { posix_spawn_file_actions_adddup2(&actions, watchdogDescriptor, 3) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        switch ProcessGroupSpawn.spawn(argv, environment: environment(directory: directory), actions: &actions) {
        case .success(let pid): return pid
        case .failure(let error): throw SimulatorError(error.description)
        }
    }

    private static func run(_ argv: [String], directory: String, input: String = "/dev/null") throws {
        let log = directory + "/setup.log"
        let pid = try spawn(argv, directory: directory, output: log, input: input)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard status == 0 else {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            throw SimulatorError("\(argv[0]) failed (status \(status)): \(text.suffix(600))")
        }
    }

    private enum Readiness { case serving, exited(String), timedOut }

    /// Waits until the KDC logs that it serves, or exits (a port taken), for up to 10 seconds.
    /// krb5kdc has no readiness notification, so its log is looked at every 20 ms.
    private static func waitUntilServing(pid: pid_t, log: String) -> Readiness {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if text.contains("commencing operation") { return .serving }
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid { return .exited(String(text.suffix(600))) }
            usleep(20_000)
        }
        return .timedOut
    }

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SimulatorError("socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { p in
            p.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa -> Bool in
                bind(fd, sa, length) == 0 && getsockname(fd, sa, &length) == 0
            }
        }
        guard bound else { throw SimulatorError("cannot find a free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
