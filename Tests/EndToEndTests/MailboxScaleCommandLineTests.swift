import EWSTestSupport
import Foundation
import Testing

/// Big tenants through the real binary: a simulated tenant of any size, a mailboxes file, a quick
/// sample, and shards run as separate processes against one simulator, merged into one certification.
@Suite struct MailboxScaleCommandLineTests {
    static func report(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func mailboxes(_ report: [String: Any]) -> [String] {
        ((report["target"] as? [String: Any])?["mailboxes"] as? [String]) ?? []
    }

    static func results(_ report: [String: Any]) -> [[String: Any]] { report["results"] as? [[String: Any]] ?? [] }

    @Test func aMalformedMailboxesFileIsAUsageErrorNamingTheLine() throws {
        let dir = try Fixtures.temporaryDirectory("e2e-mbxfile")
        try "address,upn\nalice@contoso.invalid,alice@contoso.invalid\nbob@contoso.invalid,bob\n"
            .write(toFile: dir + "/mailboxes.csv", atomically: true, encoding: .utf8)
        try """
            ews_url: https://mail.contoso.invalid/EWS/Exchange.asmx
            service_account: {username: svc, auth: ntlm, password_env: EWSCHECK_E2E_UNUSED}
            mailboxes_file: mailboxes.csv
            """.write(toFile: dir + "/t.yaml", atomically: true, encoding: .utf8)
        let r = try CommandLineTests.run(["run", "--target", dir + "/t.yaml", "--reports-dir", dir + "/reports"],
                                         environment: ["EWSCHECK_E2E_UNUSED": "x"])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("mailboxes.csv: line 3: upn 'bob' is not a user principal name"), "\(r.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir + "/reports"), "nothing was run")
    }

    @Test func badScaleOptionsAreUsageErrors() throws {
        for (args, text) in [(["--shard", "5/4"], "--shard '5/4'"), (["--sample", "3", "--mailbox-limit", "2"], "keep one"),
                             (["--seed", "3"], "--seed goes with --sample"), (["--mailbox-limit", "0"], "--mailbox-limit must be")] {
            let r = try CommandLineTests.run(["run", "--target", "/nonexistent.yaml"] + args)
            #expect(r.status == 64, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(text), "\(args): \(r.stderr)")
        }
    }

    @Test func aDemoOfFiftyMailboxesCertifiesFifty() throws {
        let dir = try Fixtures.temporaryDirectory("e2e-demo50")
        let r = try CommandLineTests.run(["demo", "--mailboxes", "50", "--state-dir", dir + "/state", "--reports-dir", dir + "/reports",
                                          "--run-id", "fifty", "--quiet"], timeout: 240)
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        let report = try Self.report(dir + "/reports/fifty/report.json")
        let certified = Self.mailboxes(report)
        #expect(certified.count == 50 && Set(certified).count == 50)
        #expect(certified.prefix(5) == ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com", "dave@contoso.com", "user0005@contoso.com"])
        let perMailbox = Set(Self.results(report).compactMap { $0["mailbox"] as? String })
        #expect(perMailbox == Set(certified), "every mailbox has results")
        let csv = try String(contentsOfFile: dir + "/state/mailboxes.csv", encoding: .utf8)
        #expect(csv.split(separator: "\n").filter { $0.contains("@") }.count == 50)
        #expect(try String(contentsOfFile: dir + "/state/target.yaml", encoding: .utf8).contains("mailboxes_file: mailboxes.csv"))
        #expect(!csv.contains("erin@"), "the out-of-scope control is not in the file")
    }

    @Test func aSampleCertifiesTheSameMailboxesForTheSameSeed() throws {
        let dir = try Fixtures.temporaryDirectory("e2e-sample")
        var picked: [[String]] = []
        for run in ["a", "b"] {
            let r = try CommandLineTests.run(["demo", "--mailboxes", "40", "--sample", "6", "--seed", "11", "--state-dir", dir + "/state-\(run)",
                                              "--reports-dir", dir + "/reports", "--run-id", run, "--quiet"], timeout: 180)
            #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
            let report = try Self.report(dir + "/reports/\(run)/report.json")
            picked.append(Self.mailboxes(report))
            #expect((report["warnings"] as? [String] ?? []).contains { $0.contains("--sample 6 --seed 11: certifying 6 of the target's 40 mailboxes") })
        }
        #expect(picked[0].count == 6 && picked[0] == picked[1])
    }

    /// Point 4 of the scale issue: 4 shard processes against one simulator, merged, give the verdict
    /// and the check counts of one unsharded run.
    @Test func fourShardsMergedEqualOneUnshardedRun() async throws {
        let dir = try Fixtures.temporaryDirectory("e2e-shards")
        let reports = dir + "/reports"
        // The simulator child is stopped (SIGTERM, then SIGKILL) and reaped before the reports are read.
        try await withFixture({ try ChildProcess(Fixtures.executable, ["simulate", "--mailboxes", "24", "--state-dir", dir + "/sim"]) },
                              stop: { await $0.terminate() }) { sim in
            #expect(await sim.waitForOutput("Ctrl-C stops it", timeout: .seconds(60)), "\(sim.stdout)\n\(sim.stderr)")
            let target = dir + "/sim/target.yaml"
            var shards: [ChildProcess] = []
            for i in 1...4 {
                shards.append(try ChildProcess(Fixtures.executable, ["run", "--target", target, "--shard", "\(i)/4", "--run-id", "shard-\(i)",
                                                                     "--reports-dir", reports, "--quiet"]))
            }
            for (i, shard) in shards.enumerated() {
                let ended = await shard.wait(timeout: .seconds(300))
                #expect(ended == .exited(0), "shard \(i + 1): \(shard.stdout)\n\(shard.stderr)")
            }
            let whole = try ChildProcess(Fixtures.executable, ["run", "--target", target, "--run-id", "whole", "--reports-dir", reports, "--quiet"])
            #expect(await whole.wait(timeout: .seconds(300)) == .exited(0), "\(whole.stdout)\n\(whole.stderr)")
            let merge = try await CommandLineTests.run(["report", "merge", "shard-1", "shard-2", "shard-3", "shard-4", "--into", "merged",
                                                  "--reports-dir", reports])
            #expect(merge.status == 0, "\(merge.stdout)\n\(merge.stderr)")
        }

        let shardReports = try (1...4).map { try Self.report("\(reports)/shard-\($0)/report.json") }
        let shardMailboxes = shardReports.map(Self.mailboxes)
        #expect(shardMailboxes.reduce(0) { $0 + $1.count } == 24, "the shards partition the 24 mailboxes: \(shardMailboxes.map(\.count))")
        #expect(Set(shardMailboxes.flatMap { $0 }).count == 24)
        // Shards after the first leave the run-wide negative controls to shard 1.
        let later = Set(shardReports.dropFirst().flatMap(Self.results).compactMap { $0["id"] as? String })
        #expect(!later.contains("impersonation.out-of-scope.denied"))
        #expect(Set(Self.results(shardReports[0]).compactMap { $0["id"] as? String }).contains("impersonation.out-of-scope.denied"))

        let merged = try Self.report("\(reports)/merged/report.json")
        let unsharded = try Self.report("\(reports)/whole/report.json")
        #expect(merged["summary"] as? NSDictionary == unsharded["summary"] as? NSDictionary,
                "merged \(String(describing: merged["summary"])) vs unsharded \(String(describing: unsharded["summary"]))")
        #expect(merged["exit_code"] as? Int == unsharded["exit_code"] as? Int)
        func keys(_ r: [String: Any]) -> [String] {
            Self.results(r).map { "\($0["id"] as? String ?? "")[\($0["mailbox"] as? String ?? "")]=\($0["outcome"] as? String ?? "")" }.sorted()
        }
        #expect(keys(merged) == keys(unsharded), "the same checks with the same outcomes")
        #expect(Set(Self.mailboxes(merged)) == Set(Self.mailboxes(unsharded)))
    }

    /// A killed run is resumed from its results journal: the mailboxes it finished are carried over,
    /// the others certified, and the one report equals an uninterrupted run's.
    @Test func aKilledRunResumedEqualsOneUninterruptedRun() async throws {
        let dir = try Fixtures.temporaryDirectory("e2e-resume")
        let reports = dir + "/reports"
        var resumeOutput = ""
        try await withFixture({ try ChildProcess(Fixtures.executable, ["simulate", "--mailboxes", "12", "--state-dir", dir + "/sim"]) },
                              stop: { await $0.terminate() }) { sim in
            #expect(await sim.waitForOutput("Ctrl-C stops it", timeout: .seconds(60)), "\(sim.stdout)\n\(sim.stderr)")
            let target = dir + "/sim/target.yaml"
            // The first run sets out over the first 6 mailboxes, one at a time (as a large run does
            // in batches: each mailbox's chain to its end before the next starts)...
            let yaml = try String(contentsOfFile: target, encoding: .utf8)
            let serial = dir + "/sim/serial.yaml"
            try (yaml.split(separator: "\n").filter { !$0.hasPrefix("concurrency:") }.joined(separator: "\n") + "\nconcurrency: 1\n")
                .write(toFile: serial, atomically: true, encoding: .utf8)
            let first = try ChildProcess(Fixtures.executable, ["run", "--target", serial, "--mailbox-limit", "6", "--run-id", "first",
                                                               "--reports-dir", reports, "--quiet"])
            #expect(await first.wait(timeout: .seconds(300)) == .exited(0), "\(first.stdout)\n\(first.stderr)")
            // ...and is "killed": no report, and its journal ends part-way, in the middle of a line.
            let journalPath = "\(reports)/first/results.jsonl"
            let journal = try Data(contentsOf: URL(fileURLWithPath: journalPath))
            let lines = journal.split(separator: UInt8(ascii: "\n"))
            #expect(lines.count > 20, "the journal has a header and a line per result")
            let kept = lines.prefix(lines.count / 2).map { Data($0) + Data("\n".utf8) }.reduce(Data(), +) + Data(lines[lines.count / 2].prefix(40))
            try kept.write(to: URL(fileURLWithPath: journalPath))
            // The exchanges are in the run's evidence spool (written before the results that cite
            // them; the journal's lines hold none), whose last line is torn by the kill too.
            let spoolPath = "\(reports)/first/evidence.jsonl"
            #expect(try FileManager.default.attributesOfItem(atPath: spoolPath)[.posixPermissions] as? Int == 0o600)
            #expect(!journal.split(separator: UInt8(ascii: "\n")).dropFirst().contains { $0.starts(with: Data("{\"exchanges\"".utf8)) })
            let spool = try FileHandle(forWritingTo: URL(fileURLWithPath: spoolPath))
            try spool.seekToEnd()
            try spool.write(contentsOf: Data("{\"durationMilliseconds\":1.5,\"id\":".utf8))
            try spool.close()
            try FileManager.default.removeItem(atPath: "\(reports)/first/report.json")

            let resumed = try ChildProcess(Fixtures.executable, ["run", "--target", target, "--resume", "first", "--run-id", "second",
                                                                 "--reports-dir", reports, "--quiet"])
            #expect(await resumed.wait(timeout: .seconds(300)) == .exited(0), "\(resumed.stdout)\n\(resumed.stderr)")
            resumeOutput = resumed.stdout
            let whole = try ChildProcess(Fixtures.executable, ["run", "--target", target, "--run-id", "whole", "--reports-dir", reports, "--quiet"])
            #expect(await whole.wait(timeout: .seconds(300)) == .exited(0), "\(whole.stdout)\n\(whole.stderr)")

            // Nothing is left to resume of a run that finished; another endpoint is refused.
            let done = try await CommandLineTests.run(["run", "--target", target, "--resume", "whole", "--reports-dir", reports, "--quiet"])
            #expect(done.status == 64 && done.stderr.contains("nothing left to resume"), "\(done.stdout)\n\(done.stderr)")
            let absent = try await CommandLineTests.run(["run", "--target", target, "--resume", "no-such-run", "--reports-dir", reports, "--quiet"])
            #expect(absent.status == 64 && absent.stderr.contains("cannot resume run no-such-run"), "\(absent.stderr)")
        }

        let merged = try Self.report("\(reports)/second/report.json")
        let whole = try Self.report("\(reports)/whole/report.json")
        let warnings = (merged["warnings"] as? [String]) ?? []
        let carried = try #require(warnings.first { $0.hasPrefix("resumed from run first:") }, "\(warnings)")
        // Half the journal holds some finished mailboxes of the first six, not all of them.
        let count = try #require(carried.split(separator: " ").dropFirst(4).first.flatMap { Int($0) })
        #expect(count >= 1 && count < 6, "\(carried)")
        #expect(warnings.contains { $0.contains("was cut off") }, "\(warnings)")
        #expect(warnings.contains { $0.contains("wrote no report") && $0.contains("ewscheck cleanup --run first") }, "\(warnings)")
        #expect(resumeOutput.contains("resumed from run first"), "the console says so too: \(resumeOutput)")

        func keys(_ r: [String: Any]) -> [String] {
            Self.results(r).map { "\($0["id"] as? String ?? "")[\($0["mailbox"] as? String ?? "")]=\($0["outcome"] as? String ?? "")" }
        }
        #expect(keys(merged) == keys(whole), "the same checks, outcomes and order as one uninterrupted run")
        #expect(Self.mailboxes(merged) == Self.mailboxes(whole))
        #expect(merged["summary"] as? NSDictionary == whole["summary"] as? NSDictionary)
        #expect(merged["exit_code"] as? Int == whole["exit_code"] as? Int)
        // Every carried-over result still points at its own evidence.
        let evidence = Set(((merged["evidence"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? Int })
        let cited = Self.results(merged).flatMap { ($0["evidence"] as? [Int]) ?? [] }
        #expect(!cited.isEmpty && cited.allSatisfy(evidence.contains), "results cite evidence the report holds")
    }
}
