@testable import Conformance
@testable import EWSProtocol
import EWSSimulator
import ProviderManifest
import Testing

/// The profile's required headers are sent on every request, and withheld one at a time by
/// `impersonation.required-headers.withheld`: the provider refuses, or answers the same Inbox,
/// and is caught when it answers another mailbox instead.
@Suite("Required headers withheld (impersonation.required-headers.withheld)")
struct RequiredHeadersTests {
    static func manifest(required: [String], extra: [String: String] = [:]) -> ProviderManifest {
        ProviderManifest(id: "gateway-hoster", name: "Gateway hoster", version: "1.0.0", vendor: "tests",
                         discovery: .init(methods: [.init(method: "fixed-url", urlTemplate: "https://mail.{domain}/EWS/Exchange.asmx")]),
                         auth: .init(schemes: ["ntlm"]),
                         ews: .init(requestServerVersion: "Exchange2013_SP1", requiredHeaders: required, extraHeaders: extra))
    }

    static func run(_ simulator: Simulator, profile: ProviderManifest) async throws -> RunReport {
        let target = TargetConfiguration.simulated(simulator)
        var warnings: [String] = []
        let credentials = try target.credentials(environment: [passwordVariable: simulator.serviceAccountPassword], warnings: &warnings)
        var options = RunOptions(runID: RunOptions.makeRunID(), profile: RunProfile(manifest: profile, source: "test"))
        options.selection = CheckSelection(only: ["auth", "ews", "impersonation"])
        return await SuiteRunner(target: target, credentials: credentials, options: options, warnings: warnings).run()
    }

    @Test("a gateway that requires a header refuses a request without it; X-AnchorMailbox withheld reads the same Inbox")
    func enforcedAndNot() async throws {
        try await LiveSimulator.with(configure: { $0.requiredHeaders = ["X-Hoster-Tenant"] }) { simulator in
            let report = try await Self.run(simulator, profile: Self.manifest(required: ["X-AnchorMailbox", "X-Hoster-Tenant"],
                                                                               extra: ["X-Hoster-Tenant": "acme"]))
            let withheld = try report.result(CheckCatalog.requiredHeadersWithheld)
            #expect(withheld.outcome == .passed, "\(withheld.message)")
            #expect(withheld.message.contains("refused without X-Hoster-Tenant (enforced)"), "\(withheld.message)")
            #expect(withheld.message.contains("without X-AnchorMailbox (not enforced)"), "\(withheld.message)")
            #expect(withheld.facts["without.X-Hoster-Tenant"]?.hasPrefix("refused: HTTP 400") == true, "\(withheld.facts)")
            #expect(withheld.evidence.count == 3, "the baseline and one request per withheld header: \(withheld.evidence)")
            // Every other request carried the header: the only 400s are the one withheld request.
            #expect(simulator.requestLog.filter { $0.status == 400 }.count == 1)
            #expect(report.results.filter { $0.outcome != .passed && $0.outcome != .skipped }.isEmpty,
                    "\(report.results.filter { $0.outcome != .passed }.map { "\($0.displayName): \($0.message)" })")
        }
    }

    @Test("a front end that misroutes a request without X-AnchorMailbox fails the check, naming the misroute")
    func misrouted() async throws {
        try await LiveSimulator.with(quirks: [.anchorlessPrimarySmtpMisrouted]) { simulator in
            let report = try await Self.run(simulator, profile: Self.manifest(required: ["X-AnchorMailbox"]))
            let withheld = try report.result(CheckCatalog.requiredHeadersWithheld)
            #expect(withheld.outcome == .failed, "\(withheld.message)")
            #expect(withheld.message.contains("without X-AnchorMailbox the provider answered GetFolder(Inbox) of \(simulator.mailboxesInScope[0]) with another folder"),
                    "\(withheld.message)")
            #expect(withheld.facts["without.X-AnchorMailbox"]?.hasPrefix("answered another folder") == true)
            // Requests that carry the anchor are unaffected: the positive checks pass.
            #expect(report.results(CheckCatalog.impersonationGetFolder).allSatisfy { $0.outcome == .passed })
            #expect(simulator.requestLog.contains { $0.operation == "GetFolder" && $0.anchorMailbox == nil && $0.status == 200 })
        }
    }

    @Test("a profile without required headers does not run the check at all")
    func notApplicable() async throws {
        try await LiveSimulator.with { simulator in
            let report = try await Self.run(simulator, profile: Self.manifest(required: []))
            #expect(report.results(CheckCatalog.requiredHeadersWithheld).isEmpty)
            #expect(try report.result(CheckCatalog.outOfScopeDenied).outcome == .passed)
        }
    }

    @Test("withheld answers are sorted: an error code or status is a refusal, HTML at 200 is not EWS, another folder is a misroute")
    func classification() {
        func call(_ outcome: EWSCall<FolderInfo>.Answer, status: Int) -> EWSCall<FolderInfo> {
            EWSCall(outcome: outcome, httpStatus: status, serverVersion: nil, exchange: nil, responseHeaders: [])
        }
        #expect(CheckContext.classifyWithheld(call(.httpError(status: 403, reason: "Forbidden"), status: 403), inboxID: "A") == .refused("HTTP 403: Forbidden"))
        if case .notEWS = CheckContext.classifyWithheld(call(.malformed("text/html"), status: 200), inboxID: "A") {} else {
            Issue.record("HTML at 200 must not count as a refusal")
        }
        if case .refused = CheckContext.classifyWithheld(call(.malformed("text/plain"), status: 400), inboxID: "A") {} else {
            Issue.record("a 400 page is a refusal")
        }
        if case .notEWS = CheckContext.classifyWithheld(call(.httpError(status: 302, reason: "redirect"), status: 302), inboxID: "A") {} else {
            Issue.record("a redirect is neither a refusal nor EWS")
        }
    }
}
