import EWSSimulator
import EWSTestSupport
import Foundation
import Testing

/// `ewscheck run` itself: pre-flight problems exit 64 with nothing sent (the simulator's request
/// log stays empty); failures before any EWS answer exit 2 with one root cause; environment
/// proxies are ignored unless asked for, and a proxy in use is stamped into the report.
@Suite struct PreflightAndRootCauseTests {
    struct Outcome {
        var status: Int32?
        var stdout: String
        var stderr: String
    }

    static func ewscheck(_ arguments: [String], environment: [String: String] = [:]) async throws -> Outcome {
        let child = try ChildProcess(Fixtures.executable, arguments, environment: environment)
        let end = await child.wait(timeout: .seconds(120))
        var status: Int32?
        if case .exited(let code) = end { status = code }
        return Outcome(status: status, stdout: child.stdout, stderr: child.stderr)
    }

    /// A simulator, a target file for it (with `extra` appended) and a reports folder.
    static func withSimulator(extra: String = "", _ body: (Simulator, String, String) async throws -> Void) async throws {
        try await Fixtures.withSimulator(validate: false) { sim in
            let dir = try Fixtures.temporaryDirectory("preflight")
            let target = try SimulatorTarget.write(for: sim, in: dir, extra: extra)
            chmod(dir + "/pw", 0o600)
            try await body(sim, target, dir)
        }
    }

    @Test("pre-flight problems exit 64 and send nothing", arguments: [
        ("control overlaps", "negative_controls: {out_of_scope_mailbox: alice@contoso.com}", [String](), "also in mailboxes"),
        ("header injection", "negative_controls: {nonexistent_mailbox: \"ghost@contoso.com\\r\\nX-Injected: 1\"}", [], "not a valid address"),
        ("run id latest", "", ["--run-id", "latest"], "reserved"),
        ("run id with ..", "", ["--run-id", "a..b"], "'..'"),
        ("CA file not PEM", "", ["--ca-file", "/etc/hostname"], "holds no PEM CERTIFICATE block"),
        ("reports folder is a file", "", ["--reports-dir", "/etc/hostname"], "is a file"),
    ])
    func preflightRefuses(_ name: String, _ extra: String, _ flags: [String], _ expected: String) async throws {
        try await Self.withSimulator(extra: extra) { sim, target, dir in
            var arguments = ["run", "--target", target]
            if !flags.contains("--reports-dir") { arguments += ["--reports-dir", dir + "/reports"] }
            let r = try await Self.ewscheck(arguments + flags)
            #expect(r.status == 64, "\(name): \(r.stderr)")
            #expect(r.stderr.contains(expected), "\(name): \(r.stderr)")
            #expect(r.stderr.contains("nothing was sent"))
            #expect(sim.requestLog.isEmpty, "\(name): the provider was touched: \(sim.requestLog.count) requests")
        }
    }

    @Test("a run id already used is refused unless --overwrite")
    func usedRunID() async throws {
        try await Self.withSimulator { sim, target, dir in
            try FileManager.default.createDirectory(atPath: dir + "/reports/nightly", withIntermediateDirectories: true)
            let refused = try await Self.ewscheck(["run", "--target", target, "--reports-dir", dir + "/reports", "--run-id", "nightly"])
            #expect(refused.status == 64)
            #expect(refused.stderr.contains("--overwrite"))
            #expect(sim.requestLog.isEmpty)
            let again = try await Self.ewscheck(["run", "--target", target, "--reports-dir", dir + "/reports", "--run-id", "nightly", "--overwrite"])
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
            #expect(FileManager.default.fileExists(atPath: dir + "/reports/nightly/report.json"))
        }
    }

    @Test("a secret file readable by others is a warning, not a refusal")
    func readableSecretWarns() async throws {
        try await Self.withSimulator { _, target, dir in
            chmod(dir + "/pw", 0o644)
            let r = try await Self.ewscheck(["run", "--target", target, "--reports-dir", dir + "/reports"])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("readable by group or others"))
        }
    }

    @Test("could not test exits 2 with one root cause", arguments: [
        ("DNS typo", "name-resolution"), ("refused port", "connection"), ("CA that does not trust the server", "tls"), ("404", "not-found"),
    ])
    func couldNotTest(_ name: String, _ kind: String) async throws {
        try await Self.withSimulator { sim, target, dir in
            var arguments = ["run", "--target", target, "--reports-dir", dir + "/reports", "--run-id", "cnt", "--color", "never"]
            var yaml = try String(contentsOfFile: target, encoding: .utf8)
            var held: [ClosedPort] = []  // a refusing port stays held until the run is over
            switch kind {
            case "name-resolution":
                yaml = yaml.replacingOccurrences(of: "ews_url: \"\(sim.ewsURL)\"", with: "ews_url: \"https://mail.contoso-typo.invalid/EWS/Exchange.asmx\"")
            case "connection":
                let closed = try ClosedPort()
                held.append(closed)
                yaml = yaml.replacingOccurrences(of: "ews_url: \"\(sim.ewsURL)\"", with: "ews_url: \"https://127.0.0.1:\(closed.port)/EWS/Exchange.asmx\"")
            case "tls":
                // A valid PEM CA that did not issue the simulator's certificate.
                let other = try Fixtures.temporaryDirectory("otherca")
                let made = try await ChildProcess.run("/usr/bin/openssl", [
                    "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", other + "/k.pem", "-out", other + "/ca.pem",
                    "-days", "2", "-subj", "/CN=Some Other CA"])
                try #require(made.status == 0, "openssl req failed: \(made.stderr)")
                arguments += ["--ca-file", other + "/ca.pem"]
            default:
                yaml = yaml.replacingOccurrences(of: "/EWS/Exchange.asmx", with: "/EWS/Missing.asmx")
            }
            try yaml.write(toFile: target, atomically: true, encoding: .utf8)
            let r = try await Self.ewscheck(arguments)
            withExtendedLifetime(held) {}
            #expect(r.status == 2, "\(name): \(r.stdout)\n\(r.stderr)")
            #expect(r.stdout.contains("verdict: COULD NOT TEST"), "\(name): \(r.stdout)")
            #expect(r.stdout.contains("fix: "))
            #expect(!r.stdout.contains("SKIP"), "\(name): dependent checks are collapsed, not listed as skips")
            let json = try String(contentsOfFile: dir + "/reports/cnt/report.json", encoding: .utf8)
            #expect(json.contains("\"kind\" : \"\(kind)\""), "\(name): \(json.prefix(600))")
            let summary = try String(contentsOfFile: dir + "/reports/cnt/summary.md", encoding: .utf8)
            #expect(summary.contains("could not test"))
            #expect(!summary.contains("does not conform"))
            if kind == "tls" {
                #expect(r.stdout.contains("Some Other CA") || r.stdout.contains("issuer"), "\(r.stdout)")
            }
        }
    }

    @Test("environment proxies are ignored unless --proxy environment; a proxy in use is stamped into the report")
    func environmentProxyIgnored() async throws {
        // A "proxy" that refuses CONNECT: a run that used it could not pass.
        let proxy = try RawServer { _ in RawServer.http("403 Forbidden") }
        defer { proxy.stop() }
        try await Self.withSimulator { _, target, dir in
            let env = ["https_proxy": "http://127.0.0.1:\(proxy.port)", "HTTPS_PROXY": "http://127.0.0.1:\(proxy.port)",
                       "all_proxy": "http://127.0.0.1:\(proxy.port)", "no_proxy": "", "NO_PROXY": ""]
            let plain = try await Self.ewscheck(["run", "--target", target, "--reports-dir", dir + "/reports", "--run-id", "direct", "--quiet"],
                                                environment: env)
            #expect(plain.status == 0, "\(plain.stdout)\(plain.stderr)")
            #expect(proxy.connections == 0, "the environment's proxy was not used")
            let direct = try String(contentsOfFile: dir + "/reports/direct/report.json", encoding: .utf8)
            #expect(!direct.contains("\"proxy\""))

            let via = try await Self.ewscheck(["run", "--target", target, "--reports-dir", dir + "/reports", "--run-id", "via", "--proxy", "environment"],
                                              environment: env)
            #expect(proxy.connections > 0, "--proxy environment uses it")
            #expect(via.status == 2, "the proxy refused the tunnel: could not test\n\(via.stdout)")
            let stamped = try String(contentsOfFile: dir + "/reports/via/report.json", encoding: .utf8)
            #expect(stamped.contains("\"proxy\" : \"environment\""))
        }
    }
}
