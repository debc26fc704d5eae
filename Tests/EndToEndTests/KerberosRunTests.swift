import EWSSimulator
import EWSTestSupport
import Foundation
import Testing

/// `ewscheck` itself authenticating with Negotiate/Kerberos: the demo with its own KDC, and a run
/// against a test realm with a misregistered SPN. Reports must name the mechanism, never hold a token.
@Suite("ewscheck with Negotiate (Kerberos)", .serialized)
struct KerberosRunTests {
    /// The results of a report.json, by check id.
    static func results(_ reportsDirectory: String) throws -> [String: [String: Any]] {
        let latest = reportsDirectory + "/latest/report.json"
        let data = try Data(contentsOf: URL(fileURLWithPath: latest))
        let report = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        var byID: [String: [String: Any]] = [:]
        for result in report["results"] as? [[String: Any]] ?? [] {
            if let id = result["id"] as? String { byID[id] = result }
        }
        return byID
    }

    /// Files under `directory` whose text holds something shaped like a GSS token or Negotiate
    /// credential (SPNEGO tokens start `YI…` / `oY…` in base64).
    static func tokenLeaks(in directory: String) -> [String] {
        let files = FileManager.default.enumerator(atPath: directory)?.compactMap { $0 as? String } ?? []
        return files.filter { name in
            guard let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) else { return false }
            return text.range(of: #"Negotiate (YI|oY)[A-Za-z0-9+/=]{16,}"#, options: .regularExpression) != nil
        }
    }

    @Test("ewscheck demo --auth negotiate --must-fail-auth conforms, says Kerberos 5, and leaves no token and no ticket cache")
    func demoWithKerberos() async throws {
        let dir = try Fixtures.temporaryDirectory("krb-demo")
        let tmp = dir + "/tmp"
        try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        let demo = try ChildProcess(Fixtures.executable, ["demo", "--auth", "negotiate", "--must-fail-auth", "--reports-dir", dir + "/reports",
                                                          "--schema-dir", Fixtures.ewsSchemaDirectory, "--state-dir", dir + "/state"],
                                    environment: ["TMPDIR": tmp])
        #expect(await demo.wait(timeout: .seconds(180)) == .exited(0), "\(demo.stdout.suffix(3000)) \(demo.stderr.suffix(2000))")
        let results = try Self.results(dir + "/reports")
        let kerberos = results["auth.negotiate.kerberos"]
        #expect(kerberos?["outcome"] as? String == "passed")
        let facts = kerberos?["facts"] as? [String: String]
        #expect(facts?["mechanism"] == "Kerberos 5")
        #expect(facts?["mutual_authentication"] == "verified")
        // Which libcurl, and whether it binds Negotiate to the TLS channel (Debian 12's 7.88 does not).
        let binding = facts?["channel_binding"] ?? ""
        #expect(binding.contains("libcurl ") && (binding.hasPrefix("not sent") || binding.contains("sends TLS channel bindings")), "\(binding)")
        #expect(results["auth.must-fail.wrong-principal"]?["outcome"] as? String == "passed")
        #expect(results["auth.service-account"]?["outcome"] as? String == "passed")
        #expect(Self.tokenLeaks(in: dir + "/reports").isEmpty)
        // The run's ticket cache and the throwaway realm are gone.
        let left = (try? FileManager.default.contentsOfDirectory(atPath: tmp)) ?? []
        #expect(left.filter { $0.hasPrefix("ewscheck-krb5cc-") || $0.hasPrefix("ewscheck-kdc-") }.isEmpty, "left behind: \(left)")
    }

    @Test("A service principal the KDC does not know fails auth.negotiate.kerberos, named, with the setspn remedy")
    func unknownSPNNamed() async throws {
        try await KerberosFixture.with { f in
            let dir = f.directory
            let target = try SimulatorTarget.write(for: f.simulator, in: dir, extra: "")
            // Password sign-in (kinit with the password source) and an SPN nobody registered.
            var text = try String(contentsOfFile: target, encoding: .utf8)
            text = text.replacingOccurrences(of: "service_account: {username: \"\(f.simulator.serviceAccount)\", auth: basic, password_file: pw}",
                                             with: "service_account: {username: \"\(f.kdc.serviceAccountPrincipal)\", auth: negotiate, password_file: pw, spn: \"WSMAN/mail.contoso.com\"}")
            try text.write(toFile: target, atomically: true, encoding: .utf8)
            let run = try ChildProcess(Fixtures.executable, ["run", "--target", target, "--reports-dir", dir + "/reports"],
                                       environment: ["KRB5_CONFIG": f.kdc.configFile])
            #expect(await run.wait(timeout: .seconds(120)) == .exited(1), "\(run.stdout.suffix(3000)) \(run.stderr.suffix(2000))")
            let kerberos = try Self.results(dir + "/reports")["auth.negotiate.kerberos"]
            #expect(kerberos?["outcome"] as? String == "failed")
            let message = kerberos?["message"] as? String ?? ""
            #expect(message.contains("unknown-service-principal") && message.contains("setspn"), "\(message)")
            #expect((kerberos?["facts"] as? [String: String])?["spn"] == "WSMAN/mail.contoso.com")
        }
    }

    @Test("An account the KDC refuses (expired) still gives a report: auth.negotiate.kerberos names the cause and the remedy")
    func refusedSignInReported() async throws {
        try await KerberosFixture.with { f in
            let dir = f.directory
            let target = try SimulatorTarget.write(for: f.simulator, in: dir, extra: "")
            try Data(f.kdc.negativePassword.utf8).write(to: URL(fileURLWithPath: dir + "/pw"))
            var text = try String(contentsOfFile: target, encoding: .utf8)
            text = text.replacingOccurrences(of: "service_account: {username: \"\(f.simulator.serviceAccount)\", auth: basic, password_file: pw}",
                                             with: "service_account: {username: \"\(f.kdc.expiredPrincipal)\", auth: negotiate, password_file: pw}")
            try text.write(toFile: target, atomically: true, encoding: .utf8)
            let run = try ChildProcess(Fixtures.executable, ["run", "--target", target, "--reports-dir", dir + "/reports"],
                                       environment: ["KRB5_CONFIG": f.kdc.configFile])
            #expect(await run.wait(timeout: .seconds(120)) == .exited(1), "\(run.stdout.suffix(3000)) \(run.stderr.suffix(2000))")
            let results = try Self.results(dir + "/reports")
            let kerberos = results["auth.negotiate.kerberos"]
            #expect(kerberos?["outcome"] as? String == "failed")
            let message = kerberos?["message"] as? String ?? ""
            #expect(message.contains("client-expired") && message.contains("extend its expiry"), "\(message)")
            #expect(results["auth.service-account"]?["outcome"] as? String == "failed")
            #expect(!run.stdout.contains(f.kdc.negativePassword) && !run.stderr.contains(f.kdc.negativePassword))
        }
    }
}
