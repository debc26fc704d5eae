@testable import Conformance
import EWSExecutor
import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Synchronization
import Reports
import Testing

@Suite("SuiteRunner against a healthy simulator")
struct SuiteRunnerTests {
    @Test("a correct target passes every check, in catalog order, and leaves nothing behind", arguments: [TargetConfiguration.AuthScheme.basic, .ntlm])
    func healthyTargetPasses(_ auth: TargetConfiguration.AuthScheme) async throws {
        try await LiveSimulator.with { simulator in
            let target = TargetConfiguration.simulated(simulator, auth: auth)
            let report = try await runSuite(target, password: simulator.serviceAccountPassword)

            let notPassed = report.results.filter { $0.outcome != .passed }
            #expect(notPassed.isEmpty, "not passed: \(notPassed.map { "\($0.displayName) \($0.outcome): \($0.message)" })")
            #expect(report.exitCode == 0)
            #expect(report.interrupted == false)
            #expect(report.results.map(\.displayName) == expectedResultNames(mailboxes: simulator.mailboxesInScope))
            #expect(report.summary == RunReport.Summary(results: report.results))
            #expect(report.summary.passed == report.results.count)
            #expect(report.target.authScheme == (auth == .basic ? "Basic" : "NTLM"))
            #expect(try report.result(CheckCatalog.serviceAccountAuth).facts["scheme"] == (auth == .basic ? "Basic" : "NTLM"))

            #expect(report.cleanup.created == itemsCreated(mailboxes: simulator.mailboxesInScope.count))
            #expect(report.cleanup.removed == report.cleanup.created)
            #expect(report.cleanup.leftover.isEmpty)
            #expect(simulator.tenant.allItems().isEmpty, "left in the tenant: \(simulator.tenant.allItems())")
            #expect(report.server?.build.isEmpty == false)
        }
    }

    @Test("every evidence id a result cites is in the report, and no secret is in the evidence")
    func evidenceIsCompleteAndRedacted() async throws {
        try await LiveSimulator.with { simulator in
            let report = try await runSuite(.simulated(simulator), password: simulator.serviceAccountPassword)
            let ids = Set(report.evidence.map(\.id))
            #expect(ids.count == report.evidence.count, "evidence ids are not unique")
            for result in report.results {
                #expect(Set(result.evidence).isSubset(of: ids), "\(result.displayName) cites missing evidence \(Set(result.evidence).subtracting(ids))")
            }
            // Every check that talked to the server cites at least one exchange (the version check
            // reads what auth saw, and cleanup had nothing left to delete).
            for result in report.results(except: [CheckCatalog.serverVersion, CheckCatalog.cleanupComplete]) {
                #expect(!result.evidence.isEmpty, "\(result.displayName) cites no evidence")
            }

            let authorizations = report.evidence.flatMap(\.legs).flatMap(\.requestHeaders)
                .filter { $0.name.lowercased() == "authorization" || $0.name.lowercased() == "proxy-authorization" }
            #expect(!authorizations.isEmpty, "the evidence records no Authorization header at all")
            for header in authorizations {
                #expect(header.value == "NTLM [redacted]", "Authorization recorded as '\(header.value)'")
            }
            let json = String(decoding: try JSONReportWriter.encode(report), as: UTF8.self)
            #expect(!json.contains(simulator.serviceAccountPassword), "the password is in report.json")
        }
    }

    @Test("Basic credentials are recorded as 'Basic [redacted]', never in base64")
    func basicEvidenceRedacted() async throws {
        try await LiveSimulator.with { simulator in
            let report = try await runSuite(.simulated(simulator, auth: .basic), password: simulator.serviceAccountPassword)
            let authorizations = report.evidence.flatMap(\.legs).flatMap(\.requestHeaders).filter { $0.name.lowercased() == "authorization" }
            #expect(!authorizations.isEmpty)
            #expect(authorizations.allSatisfy { $0.value == "Basic [redacted]" }, "\(authorizations.map(\.value))")
            let encoded = Data("\(simulator.serviceAccount):\(simulator.serviceAccountPassword)".utf8).base64EncodedString()
            let json = String(decoding: try JSONReportWriter.encode(report), as: UTF8.self)
            #expect(!json.contains(encoded))
            #expect(!json.contains(simulator.serviceAccountPassword))
        }
    }

    @Test("a wrong password fails auth.service-account, skips everything that depends on it and creates nothing")
    func wrongPassword() async throws {
        try await LiveSimulator.with { simulator in
            let report = try await runSuite(.simulated(simulator), password: "not-" + simulator.serviceAccountPassword)

            #expect(try report.result(CheckCatalog.endpointReachable).outcome == .passed)
            let auth = try report.result(CheckCatalog.serviceAccountAuth)
            #expect(auth.outcome == .failed)
            #expect(auth.message.contains("401"))
            #expect(report.exitCode == 1)

            // Every check downstream is skipped and names the root cause, however far down the chain.
            for result in report.results(except: [CheckCatalog.endpointReachable, CheckCatalog.serviceAccountAuth, CheckCatalog.cleanupComplete]) {
                #expect(result.outcome == .skipped, "\(result.displayName) was \(result.outcome)")
                #expect(result.message.contains("auth.service-account"), "\(result.displayName): \(result.message)")
            }
            #expect(report.cleanup.created == 0)
            #expect(try report.result(CheckCatalog.cleanupComplete).outcome == .passed)
            #expect(simulator.tenant.allItems().isEmpty)
            // Nothing was sent with impersonation: the run stopped at authentication.
            #expect(!report.evidence.contains { $0.requestBody.contains("ExchangeImpersonation") })
        }
    }

    @Test("without negative controls the three must-fail checks that need one are skipped with a reason, and the run still succeeds")
    func noNegativeControls() async throws {
        try await LiveSimulator.with { simulator in
            let report = try await runSuite(.simulated(simulator, negativeControls: false), password: simulator.serviceAccountPassword)
            let outOfScope = try report.result(CheckCatalog.outOfScopeDenied)
            let nonexistent = try report.result(CheckCatalog.nonexistentRejected)
            #expect(outOfScope.outcome == .skipped)
            #expect(outOfScope.message.contains("out_of_scope_mailbox"))
            #expect(nonexistent.outcome == .skipped)
            #expect(nonexistent.message.contains("nonexistent_mailbox"))
            #expect(try report.result(CheckCatalog.unprivilegedAccountDenied).outcome == .skipped)
            let others = report.results(except: [CheckCatalog.outOfScopeDenied, CheckCatalog.nonexistentRejected, CheckCatalog.unprivilegedAccountDenied])
            #expect(others.allSatisfy { $0.outcome == .passed }, "\(others.filter { $0.outcome != .passed }.map(\.displayName))")
            #expect(report.exitCode == 0)
            #expect(report.summary.skipped == 3)
        }
    }

    @Test("a target read from a file with a password file runs like one made in code")
    func targetFromFile() async throws {
        try await LiveSimulator.with { simulator in
            let dir = try TestPaths.temporaryDirectory("target")
            try Data((simulator.serviceAccountPassword + "\n").utf8).write(to: URL(fileURLWithPath: dir + "/pw"))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: dir + "/pw")
            try FileManager.default.copyItem(atPath: simulator.caFile, toPath: dir + "/ca.pem")
            try Data(simulator.unprivilegedAccountPassword.utf8).write(to: URL(fileURLWithPath: dir + "/noimp"))
            // Each mailbox with its UPN and SID (every ConnectingSID form), and an account without the impersonation right.
            let mailboxes = simulator.mailboxesInScope.map { address in
                let user = simulator.tenant.user(primarySmtp: address)
                return "  - address: \(address)\n    upn: \(user?.userPrincipalName ?? "")\n    sid: \(user?.sid ?? "")"
            }
            let yaml = """
                ews_url: \(simulator.ewsURL)
                service_account:
                  username: \(simulator.serviceAccount)
                  password_file: pw
                mailboxes:
                \(mailboxes.joined(separator: "\n"))
                negative_controls:
                  out_of_scope_mailbox: \(simulator.mailboxOutOfScope)
                  nonexistent_mailbox: \(simulator.nonexistentMailbox)
                  unprivileged_account:
                    username: \(simulator.unprivilegedAccount)
                    password_file: noimp
                distribution_list: support@\(simulator.configuration.domain)
                tls:
                  ca_file: ca.pem
                host_pins:
                  - mail.\(simulator.configuration.domain):\(simulator.port):127.0.0.1

                """
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: dir + "/target.yaml"))
            let target = try TargetConfiguration.load(path: dir + "/target.yaml")
            var warnings: [String] = []
            let credentials = try target.credentials(warnings: &warnings)
            #expect(warnings.isEmpty)
            let report = await SuiteRunner(target: target, credentials: credentials, options: RunOptions(runID: "from-file")).run()
            #expect(report.results.allSatisfy { $0.outcome == .passed }, "\(report.results.filter { $0.outcome != .passed }.map { "\($0.displayName): \($0.message)" })")
            #expect(report.exitCode == 0)
            #expect(report.runID == "from-file")
            #expect(simulator.tenant.allItems().isEmpty)
        }
    }

    @Test("progress sees every result once, as it is recorded")
    func progressSeesEveryResult() async throws {
        try await LiveSimulator.with { simulator in
            let seen = ResultLog()
            let report = try await runSuite(.simulated(simulator), password: simulator.serviceAccountPassword) { seen.append($0) }
            #expect(seen.all.count == report.results.count)
            #expect(Set(seen.all.map(\.displayName)) == Set(report.results.map(\.displayName)))
            // The final checks come last: the cleanup, then the schema validation of everything recorded.
            #expect(seen.all.suffix(2).map(\.id) == [CheckCatalog.cleanupComplete, CheckCatalog.schemaResponsesValid], "cleanup, then the schema check, are recorded last")
        }
    }
}

/// Results collected from the progress callback.
final class ResultLog: Sendable {
    private let results = Mutex<[CheckResult]>([])
    func append(_ r: CheckResult) { results.locked { $0.append(r) } }
    var all: [CheckResult] { results.locked { $0 } }
}
