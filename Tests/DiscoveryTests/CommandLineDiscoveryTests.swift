import EWSSimulator
import EWSTestSupport
import Foundation
import Testing

/// `ewscheck discover` and `ewscheck run` with a `discovery:` target, run as the real binary
/// against simulator layouts: exit codes, the tree, the JSON, and the checks in report.json.
@Suite("ewscheck discover / run with discovery", .serialized)
struct CommandLineDiscoveryTests {
    struct Output {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs the binary to its end; the wait is event-driven and holds no cooperative thread.
    static func ewscheck(_ arguments: [String], timeout: TimeInterval = 120) async throws -> Output {
        let r = try await ChildProcess.run(Fixtures.executable, arguments, timeout: .seconds(timeout))
        return Output(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    static func pinArguments(_ simulator: Simulator) -> [String] {
        LayoutHarness.pins(simulator).flatMap { ["--connect-to", $0.description] }
    }

    /// A target file with a `discovery:` section and no `ews_url`.
    static func discoveryTarget(_ simulator: Simulator, dns: String, directory: String, allowCrossDomain: Bool = false) throws -> String {
        let password = directory + "/password"
        FileManager.default.createFile(atPath: password, contents: Data(simulator.serviceAccountPassword.utf8),
                                       attributes: [.posixPermissions: 0o600])
        let pins = LayoutHarness.pins(simulator).map { "  - \"\($0.description)\"" }.joined(separator: "\n")
        let yaml = """
            discovery:
              address: alice@contoso.com
              dns_server: \(dns)
              allow_cross_domain_redirect: \(allowCrossDomain)
            service_account:
              username: \(simulator.serviceAccount)
              auth: basic
              password_file: \(password)
            mailboxes:
              - alice@contoso.com
            tls:
              ca_file: \(simulator.caFile)
            host_pins:
            \(pins)

            """
        let path = directory + "/target.yaml"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func report(_ directory: String, runID: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(directory)/reports/\(runID)/report.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func outcomes(_ report: [String: Any]) -> [String: String] {
        var map: [String: String] = [:]
        for r in report["results"] as? [[String: Any]] ?? [] {
            if let id = r["id"] as? String, r["mailbox"] == nil || r["mailbox"] is NSNull { map[id] = r["outcome"] as? String }
        }
        return map
    }

    @Test("discover prints the hop tree and exits 0 for the root-domain layout; --json carries every hop")
    func discoverTreeAndJSON() async throws {
        try await LayoutHarness.with(.rootDomain) { h in
            let directory = try Fixtures.temporaryDirectory("discover-cli")
            let silentDNS = try ClosedPort(udp: true)  // never answers, held for the whole test
            defer { silentDNS.close() }
            let target = try Self.discoveryTarget(h.simulator, dns: "127.0.0.1:\(silentDNS.port)", directory: directory)
            let tree = try await Self.ewscheck(["discover", "alice@contoso.com", "--target", target,
                                          "--method", "pox-autodiscover", "--method", "soap-autodiscover"])
            let json = try await Self.ewscheck(["discover", "alice@contoso.com", "--target", target, "--json",
                                          "--method", "pox-autodiscover", "--method", "autodiscover-v2"])
            #expect(tree.status == 0, "\(tree.stdout)\n\(tree.stderr)")
            #expect(tree.stdout.contains("✔ pox.root-domain"))
            #expect(tree.stdout.contains("· pox.autodiscover-host — not offered"))
            #expect(tree.stdout.contains("POST https://contoso.com/autodiscover/autodiscover.xml → 200 settings"))
            #expect(tree.stdout.contains("EWS URL: https://mail.contoso.com/EWS/Exchange.asmx"))
            #expect(tree.stdout.contains("TLS contoso.com:443: TLSv1."))
            #expect(json.status == 0, "\(json.stderr)")
            let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
            #expect(object["ews_url"] as? String == "https://mail.contoso.com/EWS/Exchange.asmx")
            let probes = try #require(object["probes"] as? [[String: Any]])
            #expect(probes.map { $0["id"] as? String } == ["pox.root-domain", "pox.autodiscover-host", "v2.root-domain", "v2.autodiscover-host"])
            let hop = try #require((probes.first?["hops"] as? [[String: Any]])?.first)
            #expect(hop["status"] as? Int == 200 && hop["outcome"] as? String == "settings" && hop["verb"] as? String == "POST")
            #expect((hop["tls"] as? [String: Any])?["verified"] as? Bool == true)
            #expect((object["exchanges"] as? [Any])?.isEmpty == false)
        }
    }

    @Test("discover exits 1 and names the refusal for the redirect-to-http layout")
    func discoverRedirectToHTTP() async throws {
        try await LayoutHarness.with(.redirectToHTTP) { h in
            let directory = try Fixtures.temporaryDirectory("discover-cli")
            let silentDNS = try ClosedPort(udp: true)  // never answers, held for the whole test
            defer { silentDNS.close() }
            let target = try Self.discoveryTarget(h.simulator, dns: "127.0.0.1:\(silentDNS.port)", directory: directory)
            let out = try await Self.ewscheck(["discover", "alice@contoso.com", "--target", target, "--method", "pox-autodiscover"])
            let overHTTP = h.credentialsOverHTTP
            #expect(out.status == 1, "\(out.stdout)")
            #expect(out.stdout.contains("✘ pox.root-domain — FAILED"))
            #expect(out.stdout.contains("not followed: http://mail.contoso.com/autodiscover/autodiscover.xml"))
            #expect(out.stdout.contains("non-https-refused"))
            #expect(overHTTP.isEmpty)
        }
    }

    @Test("foreign-ews-url with cross-domain answers allowed: discover follows it, still flags it and exits 1; run fails the probe, FLAGGED")
    func crossDomainAllowedStillFails() async throws {
        try await DNSFixture.with { dns in
            try await LayoutHarness.with(.foreignEWSURL) { h in
                let directory = try Fixtures.temporaryDirectory("discover-cross")
                let target = try Self.discoveryTarget(h.simulator, dns: dns.server.description, directory: directory, allowCrossDomain: true)
                let discover = try await Self.ewscheck(["discover", "alice@contoso.com", "--target", target, "--method", "pox-autodiscover", "--allow-cross-domain"])
                #expect(discover.status == 1, "\(discover.stdout)\n\(discover.stderr)")
                #expect(discover.stdout.contains("cross-domain-ews-url"), "\(discover.stdout)")

                let run = try await Self.ewscheck(["run", "--target", target, "--reports-dir", directory + "/reports", "--run-id", "r1",
                                                   "--only", "discovery.pox.root-domain"])
                #expect(run.status != 0, "\(run.stdout)\n\(run.stderr)")
                let report = try Self.report(directory, runID: "r1")
                let pox = try #require((report["results"] as? [[String: Any]])?.first { $0["id"] as? String == "discovery.pox.root-domain" })
                #expect(pox["outcome"] as? String == "failed", "\(pox)")
                let message = pox["message"] as? String ?? ""
                #expect(message.contains("https://mail.fabrikam.example/EWS/Exchange.asmx") && message.contains("FLAGGED: the EWS URL it names is on a host outside the discovery domain"),
                        "\(message)")
                #expect(message.contains("flagged as a failure either way"), "\(message)")
            }
        }
    }

    @Test("run with a discovery target: the endpoint is discovered, discovery.* checks and hops land in report.json, the suite passes")
    func runDiscovers() async throws {
        try await DNSFixture.with { dns in
            try await LayoutHarness.with(.rootDomain) { h in
                let directory = try Fixtures.temporaryDirectory("run-discovery")
                let target = try Self.discoveryTarget(h.simulator, dns: dns.server.description, directory: directory)
                let out = try await Self.ewscheck(["run", "--target", target, "--reports-dir", directory + "/reports", "--run-id", "r1"])
                #expect(out.status == 0, "\(out.stdout)\n\(out.stderr)")
                // What discovery found is a note on stderr: stdout holds the run's lines (or the report, with --json).
                #expect(out.stderr.contains("EWS URL https://mail.contoso.com/EWS/Exchange.asmx (found by pox.root-domain"))
                let report = try Self.report(directory, runID: "r1")
                #expect((report["target"] as? [String: Any])?["ews_url"] as? String == "https://mail.contoso.com/EWS/Exchange.asmx")
                let outcomes = Self.outcomes(report)
                #expect(outcomes["discovery.pox.root-domain"] == "passed")
                #expect(outcomes["discovery.pox.autodiscover-host"] == "skipped")
                #expect(outcomes["discovery.dns-srv"] == "passed")
                #expect(outcomes["discovery.soap.root-domain"] == "passed")
                #expect(outcomes["discovery.v2.root-domain"] == "passed")
                #expect(outcomes["discovery.endpoint"] == "passed")
                #expect(outcomes["discovery.agree"] == "passed")
                #expect(outcomes["discovery.tls"] == "passed")
                #expect(outcomes["discovery.ews-url.answers"] == "passed")
                #expect(outcomes["ews.endpoint.reachable"] == "passed")
                let pox = try #require((report["results"] as? [[String: Any]])?.first { $0["id"] as? String == "discovery.pox.root-domain" })
                let facts = try #require(pox["facts"] as? [String: String])
                #expect(facts["hop_01"]?.contains("POST https://contoso.com/autodiscover/autodiscover.xml → 200 settings") == true)
                #expect((pox["evidence"] as? [Int])?.isEmpty == false)
            }
        }
    }

    @Test("run with a discovery target in the redirect-loop layout: the loop fails the probes, and is named")
    func runRedirectLoop() async throws {
        try await DNSFixture.with { dns in
            try await LayoutHarness.with(.redirectLoop) { h in
                let directory = try Fixtures.temporaryDirectory("run-discovery")
                let target = try Self.discoveryTarget(h.simulator, dns: dns.server.description, directory: directory)
                let out = try await Self.ewscheck(["run", "--target", target, "--reports-dir", directory + "/reports", "--run-id", "r1"])
                #expect(out.status == 1, "\(out.stdout)\n\(out.stderr)")
                let report = try Self.report(directory, runID: "r1")
                let outcomes = Self.outcomes(report)
                #expect(outcomes["discovery.pox.root-domain"] == "failed")
                #expect(outcomes["discovery.soap.autodiscover-host"] == "failed")
                let pox = try #require((report["results"] as? [[String: Any]])?.first { $0["id"] as? String == "discovery.pox.root-domain" })
                #expect((pox["message"] as? String)?.contains("redirect loop") == true)
            }
        }
    }
}
