@testable import Conformance
@testable import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import ProviderManifest
import Reports
import Testing

/// One evidence log per run: every HTTP request of a run is one exchange with an id of its own,
/// whatever transport sent it, and every check cites the exchange it really made.
@Suite("Evidence: one log per run, ids unique across every transport")
struct EvidenceLogTests {
    /// The exchange-online profile as the plugin ships it (refused Basic and NTLM, X-AnchorMailbox,
    /// the 403 deviation with its signature).
    static let exchangeOnline = ProviderManifest(
        id: "exchange-online", name: "Exchange Online", version: "1.0.0", vendor: "tests",
        discovery: .init(methods: [.init(method: "fixed-url", urlTemplate: "https://outlook.office365.com/EWS/Exchange.asmx")]),
        auth: .init(schemes: ["oauth2-client-credentials"], refusedSchemes: ["basic", "ntlm"],
                    oauth: .init(tokenEndpointTemplate: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
                                 scopeTemplate: "https://outlook.office365.com/.default", requiredRoles: ["full_access_as_app"])),
        ews: .init(requestServerVersion: "Exchange2016", minimumServerVersion: "15.20", requiredHeaders: ["X-AnchorMailbox"]),
        knownDeviations: [.init(check: "impersonation.out-of-scope.denied", reason: "403, not the fault",
                                signature: .init(httpStatus: 403))])

    static func path(of url: String) -> String { URLComponents(string: url)?.path ?? url }

    @Test("with --must-fail-auth and the exchange-online profile, every request the simulator logged is in report.json exactly once")
    func everyRequestOnce() async throws {
        try Fixtures.requireShared()
        var config = SimulatorConfiguration()
        config.flavor = .exchangeOnline
        config.stateDirectory = try Fixtures.temporaryDirectory("evidence")
        config.schemaDirectory = Fixtures.ewsSchemaDirectory
        try await withSimulator({ try await Simulator.start(config) }) { sim in
            let entra = try #require(sim.entra)
            var target = try OnlineTargets.secret(sim, entra)
            target.mustFailAuth = true
            let options = RunOptions(runID: RunOptions.makeRunID(), profile: RunProfile(manifest: Self.exchangeOnline, source: "test"))
            let written = await SuiteRunner(target: target, credentials: .none, options: options).run()
            // What report.json holds, read back.
            let report = try JSONReportWriter.decode(try JSONReportWriter.encode(written))
            let ids = report.evidence.map(\.id)
            #expect(Set(ids).count == ids.count, "an exchange id appears twice")
            #expect(!report.warnings.contains { $0.contains("recorded for two different requests") }, "\(report.warnings)")
            // The must-fail probes and the token request ran: the ids they drew are not reused.
            #expect(report.results.contains { $0.id == AuthChecks.expiredToken })
            #expect(report.results.contains { $0.id == CheckCatalog.refusedSchemes })

            // Each HTTP request the simulator answered is one leg of one exchange of the report, and
            // each leg of the report is one request the simulator answered.
            func key(_ method: String, _ path: String, _ status: Int?) -> String { "\(method) \(path) \(status ?? -1)" }
            var logged: [String: Int] = [:]
            for r in sim.requestLog { logged[key(r.method, r.path, r.status), default: 0] += 1 }
            var reported: [String: Int] = [:]
            for x in report.evidence { for leg in x.legs { reported[key(x.method, Self.path(of: x.url), leg.status), default: 0] += 1 } }
            #expect(!logged.isEmpty)
            #expect(reported == logged, "simulator log vs report evidence")

            // Each check cites the exchange it made.
            func cited(_ id: CheckID) throws -> [HTTPExchange] {
                let result = try #require(report.results.first { $0.id == id }, "no result for \(id)")
                return report.evidence.filter { result.evidence.contains($0.id) }
            }
            let token = try cited(CheckCatalog.oauthToken)
            #expect(token.count == 1 && token.first?.method == "POST" && token.first?.url == sim.tokenEndpointURL, "\(token.map(\.url))")
            let reachable = try cited(CheckCatalog.endpointReachable)
            #expect(reachable.count == 1 && reachable.first?.method == "GET" && reachable.first?.url == sim.outlookURL)
            let refused = try cited(CheckCatalog.refusedSchemes)
            #expect(refused.count == 1 && refused.first?.method == "POST" && refused.first?.legs.first?.requestHeaders.contains { $0.name == "Authorization" } == false)
            let expired = try cited(AuthChecks.expiredToken)
            #expect(expired.count == 1 && expired.first?.legs.last?.status == 401)
            let appOnly = try cited(AuthChecks.appOnlyWithoutImpersonation)
            #expect(appOnly.count == 1 && appOnly.first?.legs.last?.status == 500)
            #expect(Set(token.map(\.id) + reachable.map(\.id) + expired.map(\.id) + appOnly.map(\.id)).count == 4)
            // Every id any result cites is in the evidence.
            let known = Set(ids)
            #expect(report.results.allSatisfy { $0.evidence.allSatisfy(known.contains) })
        }
    }

    /// `METHOD path status` → how often: the simulator's log, and the legs of the report's evidence.
    static func requestCounts(_ log: [SimulatorRequestRecord]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for r in log { counts["\(r.method) \(r.path) \(r.status)", default: 0] += 1 }
        return counts
    }

    static func legCounts(_ evidence: [HTTPExchange]) -> [String: Int] {
        var counts: [String: Int] = [:]
        for x in evidence { for leg in x.legs { counts["\(x.method) \(path(of: x.url)) \(leg.status ?? -1)", default: 0] += 1 } }
        return counts
    }

    @Test("with --must-fail-auth over NTLM, every leg the simulator answered is in report.json once, and reachability cites its own GET")
    func ntlmWithWrongPassword() async throws {
        try Fixtures.requireShared()
        var config = SimulatorConfiguration()
        config.stateDirectory = try Fixtures.temporaryDirectory("evidence-ntlm")
        config.schemaDirectory = Fixtures.ewsSchemaDirectory
        try await withSimulator({ try await Simulator.start(config) }) { sim in
            var target = TargetConfiguration.simulated(sim)
            target.mustFailAuth = true
            let written = try await runSuite(target, password: sim.serviceAccountPassword)
            let report = try JSONReportWriter.decode(try JSONReportWriter.encode(written))
            let ids = report.evidence.map(\.id)
            #expect(Set(ids).count == ids.count)
            #expect(Self.legCounts(report.evidence) == Self.requestCounts(sim.requestLog), "simulator log vs report evidence")
            let reachable = try report.result(CheckCatalog.endpointReachable)
            let cited = report.evidence.filter { reachable.evidence.contains($0.id) }
            #expect(cited.count == 1 && cited.first?.method == "GET", "\(cited.map { "\($0.method) \($0.url)" })")
            let wrong = try report.result(AuthChecks.wrongPassword)
            #expect(wrong.outcome == .passed, "\(wrong.message)")
            let probe = report.evidence.filter { wrong.evidence.contains($0.id) }
            #expect(probe.count == 1 && probe.first?.method == "POST" && probe.first?.legs.last?.status == 401)
        }
    }

    @Test("the recorder never replaces an exchange: a second, different exchange under a cited id is kept out and named")
    func recorderKeepsTheFirst() async throws {
        let recorder = Recorder(deviations: [:], progress: { _ in })
        let definition = try #require(CheckCatalog.definition(CheckCatalog.endpointReachable))
        func exchange(_ url: String) -> HTTPExchange {
            HTTPExchange(id: 7, started: Date(timeIntervalSince1970: 0), method: "GET", url: url, requestBody: "", legs: [],
                         responseBody: "", durationMilliseconds: 1, remoteAddress: nil, newConnections: 0, error: nil)
        }
        await recorder.record(definition, mailbox: nil, verdict: .passed("first", [exchange("https://a.example/")]), duration: 1)
        await recorder.record(definition, mailbox: nil, verdict: .passed("second", [exchange("https://b.example/")]), duration: 1)
        let evidence = await recorder.evidence
        #expect(evidence.map(\.url) == ["https://a.example/"])
        let conflicts = await recorder.evidenceConflicts
        #expect(conflicts.count == 1 && conflicts.first?.contains("#7") == true)
    }

    @Test("transports sharing one id source never hand out the same id, even side by side")
    func sharedSourceIsUnique() async {
        let source = ExchangeIDSource()
        let ids = await withTaskGroup(of: [Int].self) { group in
            for _ in 0..<8 { group.addTask { (0..<500).map { _ in source.take() } } }
            var all: [Int] = []
            for await part in group { all += part }
            return all
        }
        #expect(ids.count == 4000 && Set(ids).count == 4000)
    }
}
