@testable import Conformance
import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// Starting and stopping a schema-validating simulator around a test body (``Fixtures/withSimulator(quirks:password:validate:configure:_:)``,
/// under the name these tests have always used).
enum LiveSimulator {
    static func with<R>(quirks: Set<SimulatorQuirk> = [], configure: (inout SimulatorConfiguration) -> Void = { _ in },
                        _ body: (Simulator) async throws -> R) async throws -> R {
        try await Fixtures.withSimulator(quirks: quirks, configure: configure, body)
    }
}

/// How many ledger entries a healthy run makes: per mailbox voicemail.deliver's voicemail, the
/// four deliveries, message-waiting's unread voicemail and mark-all-read's two, notifications.pull's
/// and notifications.streaming's voicemails, routing.move's message under its three ids and routing.copy's message and copy; once per
/// run the sent message of routing.send-and-save-copy (delivered copy and Sent Items copy) and the
/// delivered message of routing.sync-folder-items (sent only); per mailbox presence.free-busy's appointment.
func itemsCreated(mailboxes: Int) -> Int { mailboxes * 16 + 3 }

extension Simulator {
    /// Each in-scope mailbox with its UPN and SID, as a target file gives them.
    var mailboxEntries: [MailboxList.Entry] {
        mailboxesInScope.map { address in
            let user = tenant.user(primarySmtp: address)
            return MailboxList.Entry(address: address, upn: user?.userPrincipalName, sid: user?.sid)
        }
    }
}

/// The environment variable the simulated targets name for their password.
let passwordVariable = "EWSCHECK_TEST_PASSWORD"

extension TargetConfiguration {
    /// A target for `simulator`: its mail host name pinned to loopback, its CA trusted, each
    /// mailbox's UPN and SID known; with the negative controls, also the account without the
    /// impersonation right (its password in a file of the simulator's state folder).
    ///
    /// `notificationLatency` is 2 minutes unless a test asks for the default (10 s) or its own:
    /// the suites that run every check here test something else, and in the first pass of the full
    /// test run (hundreds of tests on two cores) a pull notification was measured 10–14 s late. The
    /// latency limit itself is proved by the notification suites, in the timed pass of their own.
    static func simulated(_ simulator: Simulator, auth: AuthScheme = .ntlm, negativeControls: Bool = true,
                          trustSimulatorCA: Bool = true, insecure: Bool = false, ewsURL: String? = nil,
                          notificationLatency: Int = 120_000) -> TargetConfiguration {
        var target = TargetConfiguration(
            name: "simulator", ewsURL: ewsURL ?? simulator.ewsURL,
            serviceAccount: ServiceAccount(username: simulator.serviceAccount, auth: auth, secret: .environment(passwordVariable)),
            mailboxes: simulator.mailboxesInScope,
            outOfScopeMailbox: negativeControls ? simulator.mailboxOutOfScope : nil,
            nonexistentMailbox: negativeControls ? simulator.nonexistentMailbox : nil,
            caFile: trustSimulatorCA ? simulator.caFile : nil, insecure: insecure,
            hostPins: [HostPin(host: "mail.\(simulator.configuration.domain)", port: simulator.port, address: "127.0.0.1")])
        target.mailboxEntries = simulator.mailboxEntries
        target.notificationLatencyMilliseconds = notificationLatency
        target.distributionList = "support@\(simulator.configuration.domain)"
        if negativeControls, let state = simulator.configuration.stateDirectory {
            let file = state + "/unprivileged.password"
            if FileManager.default.createFile(atPath: file, contents: Data(simulator.unprivilegedAccountPassword.utf8),
                                              attributes: [.posixPermissions: 0o600]) {
                target.unprivilegedAccount = UnprivilegedAccount(username: simulator.unprivilegedAccount, secret: .file(file))
            }
        }
        return target
    }
}

/// Runs the suite against `target`, reading the password through the target's own credential path.
func runSuite(_ target: TargetConfiguration, password: String, deviations: [CheckID: String] = [:],
              progress: @escaping @Sendable (CheckResult) -> Void = { _ in }) async throws -> RunReport {
    var warnings: [String] = []
    let credentials = try target.credentials(environment: [passwordVariable: password], warnings: &warnings)
    let runner = SuiteRunner(target: target, credentials: credentials,
                             options: RunOptions(runID: RunOptions.makeRunID(), knownDeviations: deviations),
                             warnings: warnings)
    return await runner.run(progress: progress)
}

extension RunReport {
    /// The results of one check, in report order.
    func results(_ id: CheckID) -> [CheckResult] { results.filter { $0.id == id } }

    /// The single (not per-mailbox) result of a check.
    func result(_ id: CheckID) throws -> CheckResult {
        let found = results(id)
        try #require(found.count == 1, "expected exactly one result for \(id), found \(found.count)")
        return found[0]
    }

    /// Every result except those of `ids`.
    func results(except ids: Set<CheckID>) -> [CheckResult] { results.filter { !ids.contains($0.id) } }
}

/// The ids of the results one healthy run must produce, in catalog order.
/// Every check of the catalog in order, per mailbox where it is per-mailbox; checks that only a
/// profile switches on (auth.refused-schemes) are not in a run without a profile; the one a
/// password scheme switches on (impersonation.unprivileged-account.denied) is, unless `passwordScheme` is false.
func expectedResultNames(mailboxes: [String], passwordScheme: Bool = true) -> [String] {
    CheckCatalog.standard.filter {
        !CheckCatalog.conditional.contains($0.id) || (passwordScheme && $0.id == CheckCatalog.unprivilegedAccountDenied)
    }.flatMap { d in
        d.perMailbox ? mailboxes.map { "\(d.id)[\($0)]" } : [d.id.rawValue]
    }
}
