@testable import Conformance
import EWSSimulator
import EWSTransport
import Foundation
import ProviderManifest
import Testing

/// The impersonation matrix: every ConnectingSID form with and without X-AnchorMailbox, the
/// forms the profile names required and the others informational; and the refusals (malformed
/// SID, an account without the right, delegate access), each failing with its own words against
/// a simulator that deviates that way.
@Suite("Impersonation matrix (ConnectingSID forms and refusals)")
struct ImpersonationMatrixTests {
    static let forms = [CheckCatalog.connectingSIDPrimarySmtpAddress, CheckCatalog.connectingSIDSmtpAddress,
                        CheckCatalog.connectingSIDPrincipalName, CheckCatalog.connectingSIDSID]
    static let refusals = [CheckCatalog.malformedSIDRejected, CheckCatalog.unprivilegedAccountDenied, CheckCatalog.delegateAccessDenied]

    /// Runs the suite against a simulator with `quirk` (and `profile`); every result of `failing`
    /// fails with its fragment, `skipped` may be skipped, everything else passes.
    static func expect(_ quirk: SimulatorQuirk, failing: [CheckID: String], skipped: Set<CheckID> = [], perMailbox: Bool = true,
                       exitCode: Int, profile: ProviderManifest? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await ContactCenterQuirkTests.expect(quirk, failing: failing, skipped: skipped, perMailbox: perMailbox, exitCode: exitCode,
                                                 run: { try await run($0, profile: profile) }, sourceLocation: sourceLocation)
    }

    static func run(_ simulator: Simulator, target: TargetConfiguration? = nil, profile: ProviderManifest? = nil) async throws -> RunReport {
        let target = target ?? .simulated(simulator)
        var warnings: [String] = []
        let credentials = try target.credentials(environment: [passwordVariable: simulator.serviceAccountPassword], warnings: &warnings)
        let options = RunOptions(runID: RunOptions.makeRunID(), profile: profile.map { RunProfile(manifest: $0, source: "test") })
        return await SuiteRunner(target: target, credentials: credentials, options: options, warnings: warnings).run()
    }

    static func profile(connectingSIDs: [String]) -> ProviderManifest {
        ProviderManifest(id: "matrix-test", name: "Matrix test", version: "1.0.0", vendor: "tests",
                         discovery: .init(methods: [.init(method: "fixed-url", urlTemplate: "https://mail.{domain}/EWS/Exchange.asmx")]),
                         auth: .init(schemes: ["ntlm"]),
                         ews: .init(requestServerVersion: "Exchange2013_SP1", minimumServerVersion: "15.0", connectingSIDs: connectingSIDs))
    }

    @Test("a conforming provider passes every form with and without X-AnchorMailbox, and every refusal in Exchange's form")
    func healthy() async throws {
        try await LiveSimulator.with { simulator in
            let report = try await Self.run(simulator)
            for id in Self.forms {
                let results = report.results(id)
                #expect(results.count == simulator.mailboxesInScope.count)
                for r in results {
                    #expect(r.outcome == .passed, "\(r.displayName): \(r.message)")
                    #expect(r.facts["with_anchor"] == "NoError (HTTP 200)", "\(r.displayName): \(r.facts)")
                    #expect(r.facts["without_anchor"] == "NoError (HTTP 200)", "\(r.displayName): \(r.facts)")
                    #expect(r.evidence.count == 2)
                    // Without a profile only the primary address is needed; the others are informational.
                    #expect(r.level == (id == CheckCatalog.connectingSIDPrimarySmtpAddress ? .required : .informational))
                }
            }
            let upn = try #require(report.results(CheckCatalog.connectingSIDPrincipalName).first)
            #expect(upn.facts["anchor_mailbox"]?.hasPrefix("UPN:") == true)
            let sid = try #require(report.results(CheckCatalog.connectingSIDSID).first)
            #expect(sid.facts["identifier"] == simulator.tenant.user(primarySmtp: simulator.mailboxesInScope[0])?.sid)

            let malformed = try report.result(CheckCatalog.malformedSIDRejected)
            #expect(malformed.outcome == .passed, "\(malformed.message)")
            #expect(malformed.facts["response_code"] == "ErrorInvalidSid")
            #expect(malformed.facts["http_status"] == "500")
            #expect(malformed.facts["expected_refusal_evidence"]?.hasPrefix("inferred") == true)
            let unprivileged = try report.result(CheckCatalog.unprivilegedAccountDenied)
            #expect(unprivileged.outcome == .passed, "\(unprivileged.message)")
            #expect(unprivileged.facts["response_code"] == "ErrorImpersonateUserDenied")
            #expect(unprivileged.facts["account"] == simulator.unprivilegedAccount)
            #expect(unprivileged.facts["expected_refusal_evidence"]?.hasPrefix("observed") == true)
            let delegate = try report.result(CheckCatalog.delegateAccessDenied)
            #expect(delegate.outcome == .passed, "\(delegate.message)")
            #expect(delegate.facts["response_code"] == "ErrorAccessDenied")
            #expect(delegate.facts["http_status"] == "200")
            #expect(report.exitCode == 0)
        }
    }

    @Test("without UPNs, SIDs and an unprivileged account in the target, those checks are skipped and say why")
    func withoutData() async throws {
        try await LiveSimulator.with { simulator in
            var target = TargetConfiguration.simulated(simulator)
            target.mailboxEntries = []
            target.unprivilegedAccount = nil
            let report = try await Self.run(simulator, target: target)
            for r in report.results(CheckCatalog.connectingSIDPrincipalName) {
                #expect(r.outcome == .skipped)
                #expect(r.message.contains("gives no UPN for \(r.mailbox ?? "?")"), "\(r.message)")
            }
            for r in report.results(CheckCatalog.connectingSIDSID) {
                #expect(r.outcome == .skipped)
                #expect(r.message.contains("gives no SID"), "\(r.message)")
            }
            #expect(try report.result(CheckCatalog.malformedSIDRejected).outcome == .skipped)
            let unprivileged = try report.result(CheckCatalog.unprivilegedAccountDenied)
            #expect(unprivileged.outcome == .skipped)
            #expect(unprivileged.message.contains("negative_controls.unprivileged_account"))
            #expect(report.exitCode == 0)
        }
    }

    @Test("without X-AnchorMailbox a PrimarySmtpAddress request routed to another mailbox fails only that form")
    func anchorlessMisrouted() async throws {
        try await Self.expect(.anchorlessPrimarySmtpMisrouted,
                              failing: [CheckCatalog.connectingSIDPrimarySmtpAddress: "the request was routed to another mailbox"], exitCode: 1)
    }

    @Test("a refused SmtpAddress form fails its check, recorded but not counted when the profile does not name it")
    func smtpAddressRefused() async throws {
        try await Self.expect(.smtpAddressFormRefused, failing: [CheckCatalog.connectingSIDSmtpAddress: "by SmtpAddress"], exitCode: 0)
    }

    @Test("a refused PrincipalName form fails impersonation.connecting-sid.principal-name")
    func upnRefused() async throws {
        try await Self.expect(.upnFormRefused, failing: [CheckCatalog.connectingSIDPrincipalName: "by PrincipalName"], exitCode: 0)
    }

    @Test("a refused SID form fails impersonation.connecting-sid.sid; the malformed-SID control is skipped for want of a working SID")
    func sidRefused() async throws {
        try await Self.expect(.sidFormRefused, failing: [CheckCatalog.connectingSIDSID: "by SID"],
                              skipped: [CheckCatalog.malformedSIDRejected], exitCode: 0)
    }

    @Test("a form the profile's connecting_sid names is required: its failure fails the run (and the run's impersonation uses it)")
    func profileFormRequired() async throws {
        try await LiveSimulator.with(quirks: [.sidFormRefused]) { simulator in
            let report = try await Self.run(simulator, profile: Self.profile(connectingSIDs: ["primary-smtp-address", "sid"]))
            let sid = report.results(CheckCatalog.connectingSIDSID)
            #expect(sid.count == simulator.mailboxesInScope.count)
            #expect(sid.allSatisfy { $0.outcome == .failed && $0.level == .required }, "\(sid.map { "\($0.outcome) \(String(describing: $0.level))" })")
            #expect(sid.allSatisfy { $0.facts["level"]?.hasPrefix("required") == true })
            // The run impersonates by every form the profile names, with the target's SIDs.
            let gateway = report.results(CheckCatalog.impersonationGetFolder)
            #expect(gateway.allSatisfy { $0.outcome == .failed && $0.message.contains("as SID") }, "\(gateway.map(\.message))")
            #expect(report.exitCode == 1)
        }
    }

    @Test("a form the profile does not name is informational: PrimarySmtpAddress misrouted without an anchor does not fail a run that impersonates by SmtpAddress")
    func profileFormInformational() async throws {
        try await Self.expect(.anchorlessPrimarySmtpMisrouted,
                              failing: [CheckCatalog.connectingSIDPrimarySmtpAddress: "the request was routed to another mailbox"], exitCode: 0,
                              profile: Self.profile(connectingSIDs: ["smtp-address"]))
    }

    @Test("a laxly parsed SID fails impersonation.malformed-sid.rejected")
    func malformedSIDAccepted() async throws {
        try await Self.expect(.malformedSidAccepted, failing: [CheckCatalog.malformedSIDRejected: "was accepted"], perMailbox: false, exitCode: 1)
    }

    @Test("an account without the impersonation role that may impersonate fails impersonation.unprivileged-account.denied")
    func unprivilegedAllowed() async throws {
        try await Self.expect(.unprivilegedImpersonationAllowed,
                              failing: [CheckCatalog.unprivilegedAccountDenied: "the right is not checked"], perMailbox: false, exitCode: 1)
    }

    @Test("delegate access to another mailbox fails impersonation.delegate-access.denied")
    func delegateAllowed() async throws {
        try await Self.expect(.delegateAccessAllowed,
                              failing: [CheckCatalog.delegateAccessDenied: "delegate access is granted"], perMailbox: false, exitCode: 1)
    }

    @Test("mailboxes entries may be mappings with upn and sid; unprivileged_account has its own secret")
    func targetFile() throws {
        let target = try TargetConfiguration.parse(yaml: """
            ews_url: https://mail.contoso.com/EWS/Exchange.asmx
            service_account: {username: svc@contoso.com, auth: ntlm, password_env: SVC}
            mailboxes:
              - address: Alice@contoso.com
                upn: alice@corp.contoso.com
                sid: S-1-5-21-1-2-3-1102
              - bob@contoso.com
            negative_controls:
              unprivileged_account:
                username: noimp@contoso.com
                password_env: NOIMP
            """, baseDirectory: "/tmp")
        #expect(target.mailboxes == ["alice@contoso.com", "bob@contoso.com"])
        #expect(target.entry(of: "alice@contoso.com")?.upn == "alice@corp.contoso.com")
        #expect(target.entry(of: "alice@contoso.com")?.sid == "S-1-5-21-1-2-3-1102")
        #expect(target.entry(of: "bob@contoso.com")?.upn == nil)
        #expect(target.unprivilegedAccount == .init(username: "noimp@contoso.com", secret: .environment("NOIMP")))
        guard case .success(.ntlm(let user, _)) = target.unprivilegedCredentials(environment: ["NOIMP": "pw", "SVC": "other"]) else {
            Issue.record("no NTLM credentials for the unprivileged account")
            return
        }
        #expect(user == "noimp@contoso.com")
        guard case .failure(let e) = target.unprivilegedCredentials(environment: [:]) else {
            Issue.record("an unset variable gave credentials")
            return
        }
        #expect(e.message.contains("negative_controls.unprivileged_account names NOIMP"), "\(e.message)")

        #expect(throws: TargetFileError.self) {
            try TargetConfiguration.parse(yaml: """
                ews_url: https://mail.contoso.com/EWS/Exchange.asmx
                service_account: {username: svc@contoso.com, auth: ntlm, password_env: SVC}
                mailboxes:
                  - address: alice@contoso.com
                    sid: not-a-sid
                """, baseDirectory: "/tmp")
        }
    }
}
