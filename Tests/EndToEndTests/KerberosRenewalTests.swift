import EWSSimulator
import EWSTestSupport
import Foundation
import Testing

/// `ewscheck run` with Negotiate against a realm whose tickets live 3 seconds: the run's
/// ticket-granting ticket is renewed before each request that finds it due, each renewal is in the
/// report, and a renewal the KDC cannot serve is a named error, not a hang. Timed (a real clock
/// bounds the tickets): listed in the Makefile's TIMED_SUITES.
@Suite("ewscheck renews Kerberos tickets in runs longer than a ticket", .serialized)
struct KerberosRenewalTests {
    static let lifetime = 3

    /// A negotiate target signing in with the service account's password (a secret that must not
    /// leak) or its keytab, and a copy of the realm's krb5.conf that outlives a stopped KDC.
    static func writeTarget(_ f: KerberosFixture, keytab: Bool = false) throws -> (target: String, environment: [String: String]) {
        let target = try SimulatorTarget.write(for: f.simulator, in: f.directory, extra: "")
        var text = try String(contentsOfFile: target, encoding: .utf8)
        let basic = "service_account: {username: \"\(f.simulator.serviceAccount)\", auth: basic, password_file: pw}"
        try #require(text.contains(basic))
        var secret = "password_file: pw"
        if keytab {
            let copy = f.directory + "/svc.keytab"
            try Data(contentsOf: URL(fileURLWithPath: f.kdc.serviceAccountKeytab)).write(to: URL(fileURLWithPath: copy))
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: copy)
            secret = "keytab_file: svc.keytab"
        }
        text = text.replacingOccurrences(of: basic, with: "service_account: {username: \"\(f.kdc.serviceAccountPrincipal)\", auth: negotiate, \(secret)}")
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        let config = f.directory + "/krb5.conf"
        try Data(contentsOf: URL(fileURLWithPath: f.kdc.configFile)).write(to: URL(fileURLWithPath: config))
        return (target, ["KRB5_CONFIG": config, "TMPDIR": f.directory])
    }

    /// report.json of the latest run.
    static func report(_ reports: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: reports + "/latest/report.json"))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    static func date(_ value: Any?) -> Date? {
        guard let text = value as? String else { return nil }
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.date(from: text) ?? ISO8601DateFormatter().date(from: text)
    }

    /// Every file under `directory` holding `secret`.
    static func files(in directory: String, containing secret: String) -> [String] {
        let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
        return files.filter { name in
            guard let data = FileManager.default.contents(atPath: directory + "/" + name) else { return false }
            return data.range(of: Data(secret.utf8)) != nil
        }
    }

    @Test("a run longer than two ticket lifetimes passes: the ticket is renewed before it expires, each renewal is evidence and facts, no secret leaks",
          arguments: ["password", "keytab"])
    func runOutlastsTheTicket(signIn: String) async throws {
        // Every answer 90 ms late: the full suite takes about 7 s, more than two 3 s tickets.
        try await KerberosFixture.with(ticketLifetime: Self.lifetime, configure: { $0.latencyMilliseconds = 90 }) { f in
            let (target, environment) = try Self.writeTarget(f, keytab: signIn == "keytab")
            let reports = f.directory + "/reports"
            // Every exchange kept: by default a passed check keeps only its first.
            let run = try ChildProcess(Fixtures.executable, ["run", "--target", target, "--reports-dir", reports, "--evidence", "all"],
                                       environment: environment)
            #expect(await run.wait(timeout: .seconds(180)) == .exited(0), "\(run.stdout.suffix(3000)) \(run.stderr.suffix(2000))")
            let report = try Self.report(reports)
            let started = try #require(Self.date(report["started_at"]))
            let finished = try #require(Self.date(report["finished_at"]))
            try #require(finished.timeIntervalSince(started) > Double(2 * Self.lifetime),
                         "the run lasted \(finished.timeIntervalSince(started)) s, not longer than two tickets")

            let results = report["results"] as? [[String: Any]] ?? []
            let bad = results.filter { !["passed", "skipped", "expected_failure"].contains($0["outcome"] as? String ?? "") }
            #expect(bad.isEmpty, "\(bad.map { "\($0["id"] ?? "?"): \($0["message"] ?? "")" })")

            // Each renewal: a KERBEROS record in the evidence, without the ticket, and facts on
            // the check whose request caused it.
            let evidence = report["evidence"] as? [[String: Any]] ?? []
            let renewals = evidence.filter { $0["method"] as? String == "KERBEROS" }
            #expect(renewals.count >= 2, "a run of \(finished.timeIntervalSince(started)) s renews a \(Self.lifetime) s ticket at least twice")
            for renewal in renewals {
                #expect(renewal["error"] == nil || renewal["error"] is NSNull, "\(renewal)")
                let body = renewal["response_body"] as? String ?? ""
                #expect(body.hasPrefix("[not recorded: the ticket-granting ticket]") && body.contains("(\(Self.lifetime) s)"), "\(body)")
                let how = signIn == "keytab" ? "with the key in the keytab \(f.directory)/svc.keytab" : "with its password [redacted]"
                #expect((renewal["request_body"] as? String ?? "").contains(how), "\(renewal["request_body"] ?? "")")
            }
            let renewalIDs = Set(renewals.compactMap { $0["id"] as? Int })
            let renewed = results.filter { ($0["facts"] as? [String: String])?["kerberos_ticket_renewals"] != nil }
            #expect(!renewed.isEmpty, "a check shows the renewal it caused")
            var counted = 0
            for result in renewed {
                let facts = result["facts"] as? [String: String] ?? [:]
                let lifetimes = (facts["kerberos_ticket_lifetime"] ?? "").split(separator: " ").map(String.init)
                #expect(!lifetimes.isEmpty && lifetimes.allSatisfy { $0 == String(Self.lifetime) }, "\(lifetimes)")
                #expect(facts["kerberos_ticket_renewed_at"]?.split(separator: " ").count == lifetimes.count)
                #expect(facts["kerberos_ticket_renewals"] == String(lifetimes.count))
                #expect(!Set(result["evidence"] as? [Int] ?? []).isDisjoint(with: renewalIDs), "the check cites its renewal")
                counted += lifetimes.count
            }
            #expect(counted == renewals.count, "every renewal is cited by the check that caused it")

            // After a renewal, new Negotiate handshakes still work: none refused, and Kerberos
            // sign-ins to the simulator after the last renewal started.
            let log = f.simulator.requestLog
            #expect(!log.contains { $0.status == 401 && $0.authScheme == "Negotiate" }, "no Negotiate request was refused")
            let lastRenewal = try #require(renewals.compactMap { Self.date($0["started"]) }.max())
            #expect(log.contains { $0.authMechanism == "Kerberos 5" && $0.time > lastRenewal },
                    "a Negotiate handshake after the last renewal completed with Kerberos 5")

            // The password is nowhere: not in the reports, the console, or a leftover cache.
            let password = f.simulator.serviceAccountPassword
            #expect(Self.files(in: reports, containing: password).isEmpty)
            #expect(!run.stdout.contains(password) && !run.stderr.contains(password))
            #expect(KerberosRunTests.tokenLeaks(in: reports).isEmpty)
            let left = (try? FileManager.default.contentsOfDirectory(atPath: f.directory)) ?? []
            #expect(!left.contains { $0.hasPrefix("ewscheck-krb5cc-") }, "the run's ticket cache is gone: \(left)")
        }
    }

    @Test("a renewal the KDC cannot serve (stopped) is a ticket-renewal-failed error naming the stage and kdc-unreachable, without a hang or the secret")
    func renewalAgainstStoppedKDC() async throws {
        try await KerberosFixture.with(ticketLifetime: Self.lifetime, configure: { $0.latencyMilliseconds = 90 }) { f in
            let (target, environment) = try Self.writeTarget(f)
            let reports = f.directory + "/reports"
            let run = try ChildProcess(Fixtures.executable, ["run", "--target", target, "--reports-dir", reports], environment: environment)
            // Once the run got in with its first ticket, the KDC goes away; that ticket is due
            // for renewal within 1.5 s.
            try #require(await f.simulator.waitForRequests(10, timeout: .seconds(60)))
            try #require(f.simulator.requestLog.contains { $0.authMechanism == "Kerberos 5" && $0.status == 200 })
            await f.kdc.stop()
            let end = await run.wait(timeout: .seconds(120))
            #expect(end == .exited(1) || end == .exited(2), "\(end): \(run.stdout.suffix(3000)) \(run.stderr.suffix(2000))")

            let report = try Self.report(reports)
            let results = report["results"] as? [[String: Any]] ?? []
            let refused = results.filter { ($0["message"] as? String ?? "").contains("could not be renewed") }
            try #require(!refused.isEmpty, "\(results.map { "\($0["id"] ?? "?"): \($0["outcome"] ?? "") \($0["message"] ?? "")" })")
            // An error of every check whose requests needed the renewal: could not test, never
            // the provider's failure (also where a check reads a missing answer as a failure).
            for result in refused {
                let message = result["message"] as? String ?? ""
                #expect(result["outcome"] as? String == "errored", "\(result["id"] ?? "?"): \(message)")
                #expect(message.contains("getting a ticket for \(f.kdc.serviceAccountPrincipal) with its password"), "\(message)")
                #expect(message.contains("[kdc-unreachable]") && message.contains("remedy:"), "\(message)")
            }
            let evidence = report["evidence"] as? [[String: Any]] ?? []
            #expect(evidence.contains { $0["method"] as? String == "KERBEROS" && ($0["error"] as? String ?? "").contains("kdc-unreachable") },
                    "the failed renewal is evidence")
            let password = f.simulator.serviceAccountPassword
            #expect(Self.files(in: reports, containing: password).isEmpty)
            #expect(!run.stdout.contains(password) && !run.stderr.contains(password))
        }
    }
}
