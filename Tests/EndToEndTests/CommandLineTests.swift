import EWSSimulator
import EWSTestSupport
import Foundation
import Testing

/// Runs the real `ewscheck` binary: exit codes, usage errors, and Ctrl-C in the middle of a run.
@Suite struct CommandLineTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) throws -> Run {
        let r = try ChildProcess.run(Fixtures.executable, arguments, environment: environment, timeout: .seconds(timeout))
        return Run(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    /// The same for async tests, which must not block a cooperative thread while the child runs.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60) async throws -> Run {
        let r = try await ChildProcess.run(Fixtures.executable, arguments, environment: environment, timeout: .seconds(timeout))
        return Run(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    @Test func helpListsTheCommandsAndExitCodes() throws {
        let r = try Self.run(["--help"])
        #expect(r.status == 0)
        for word in ["run", "demo", "simulate", "64", "130"] { #expect(r.stdout.contains(word), "help mentions \(word)") }
    }

    @Test(arguments: [
        (["run"], "--target"),
        (["run", "--target", "/nonexistent/target.yaml"], "/nonexistent/target.yaml"),
        (["run", "--target", "x.yaml", "--resolve", "nonsense"], "--resolve"),
        (["demo", "--quirk", "made-up"], "made-up"),
        (["simulate", "--port", "70000"], "--port"),
        (["run", "--target", "x.yaml", "--deadline", "soon"], "--deadline 'soon' is neither a duration"),
        (["run", "--target", "x.yaml", "--deadline", "2020-01-01T00:00:00Z"], "--deadline 2020-01-01T00:00:00Z is already past"),
        (["run", "--target", "x.yaml", "--deadline", "0m"], "duration of zero"),
        (["simulate", "--token-lifetime", "5"], "--flavor exchange-online"),
        (["simulate", "--flavor", "exchange-online", "--token-lifetime", "0"], "--token-lifetime"),
        (["simulate", "--ticket-lifetime", "5"], "--ticket-lifetime goes with --kerberos"),
        (["simulate", "--kerberos", "--ticket-lifetime", "0"], "--ticket-lifetime must be"),
        (["frobnicate"], "frobnicate"),
    ])
    func usageErrorsExit64AndNameTheProblem(_ arguments: [String], _ named: String) throws {
        let r = try Self.run(arguments)
        #expect(r.status == 64, "\(arguments): \(r.stderr)")
        #expect(r.stderr.contains(named), "stderr names \(named): \(r.stderr)")
        #expect(!r.stderr.contains("Fatal error") && !r.stderr.contains("Stack dump"))
    }

    @Test func targetFileWithUnknownKeyIsAUsageError() throws {
        let dir = try Fixtures.temporaryDirectory("e2e")
        let file = dir + "/t.yaml"
        try """
            ews_url: https://mail.contoso.com/EWS/Exchange.asmx
            service_account: {username: svc, password_env: PW}
            mailboxes: [a@contoso.com]
            mailbox_count: 3
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let r = try Self.run(["run", "--target", file])
        #expect(r.status == 64)
        #expect(r.stderr.contains("mailbox_count"))
        #expect(r.stderr.contains("line 4"))
    }

    @Test func interruptCleansUpAndStillWritesReports() async throws {
        // Driven by an event, not by a slow simulator: the run is frozen (SIGSTOP) the moment it reports
        // its first delivery, interrupted while frozen, and resumed, so the interrupt always lands
        // in the middle of the run, after it created items.
        try await Fixtures.withSimulator(validate: false) { sim in
            let dir = try #require(sim.configuration.stateDirectory)
            let target = try SimulatorTarget.write(for: sim, in: dir)
            let child = try ChildProcess(Fixtures.executable,
                                         ["run", "--target", target, "--reports-dir", dir + "/reports", "--run-id", "interrupted"])
            child.pause(whenOutputContains: "voicemail.deliver")
            let delivered = await child.waitUntil(timeout: .seconds(60)) { $0.stdout.contains("voicemail.deliver") || $0.termination != nil }
            #expect(delivered && child.termination == nil, "the run got as far as delivering and was frozen there: \(child.stdout)")
            #expect(!sim.tenant.allItems().isEmpty || child.stdout.contains("voicemail.delete"))
            child.send(SIGINT)
            child.send(SIGCONT)
            let ended = await child.wait(timeout: .seconds(60))
            #expect(ended == .exited(130), "\(ended): \(child.stderr)")
            #expect(sim.tenant.allItems().isEmpty, "interrupted runs still remove what they created: \(sim.tenant.allItems())")
            let report = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: dir + "/reports/interrupted/report.json"))) as? [String: Any]
            #expect(report?["interrupted"] as? Bool == true)
            #expect(report?["exit_code"] as? Int == 130)
            let cleanup = report?["cleanup"] as? [String: Any]
            #expect((cleanup?["created"] as? Int ?? 0) > 0)
            #expect(cleanup?["created"] as? Int == cleanup?["removed"] as? Int)
            let results = report?["results"] as? [[String: Any]] ?? []
            #expect(results.contains { ($0["message"] as? String)?.contains("interrupted") == true })
        }
    }
}
