@testable import Conformance
@testable import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import ProviderManifest
import Testing

/// The profile's fields drive the run: ConnectingSID forms, OAuth roles and scope.
@Suite("Profile contract in a run")
struct ProfileContractRunTests {
    /// A run with `manifest` against an exchange-online simulator, which is stopped before this returns.
    static func onlineRun(_ manifest: ProviderManifest) async throws -> RunReport {
        try await Fixtures.withSimulator(configure: { $0.flavor = .exchangeOnline }) { sim in
            let entra = try #require(sim.entra)
            let target = try OnlineTargets.secret(sim, entra)
            return await SuiteRunner(target: target, credentials: .none,
                                     options: RunOptions(runID: RunOptions.makeRunID(), profile: RunProfile(manifest: manifest, source: "test"))).run()
        }
    }

    @Test("the token must carry every role the profile requires, not a role the core hard-codes")
    func rolesFromTheManifest() async throws {
        var manifest = EvidenceLogTests.exchangeOnline
        manifest.auth.oauth?.requiredRoles = ["full_access_as_app", "Mail.ReadWrite"]
        let report = try await Self.onlineRun(manifest)
        let token = try report.result(CheckCatalog.oauthToken)
        #expect(token.outcome == .failed)
        #expect(token.message.contains("no Mail.ReadWrite role"), "\(token.message)")
        #expect(token.facts["required_roles"] == "full_access_as_app Mail.ReadWrite")
    }

    @Test("a profile without required roles accepts the token on audience alone")
    func noRolesRequired() async throws {
        var manifest = EvidenceLogTests.exchangeOnline
        manifest.auth.oauth?.requiredRoles = []
        let report = try await Self.onlineRun(manifest)
        #expect(try report.result(CheckCatalog.oauthToken).outcome == .passed)
    }

    @Test("every ConnectingSID form the profile lists is tried, and requests impersonate with the first")
    func connectingSIDForms() async throws {
        try await LiveSimulator.with { sim in
            let manifest = ProviderManifest(
                id: "sid-forms", name: "SID forms", version: "1.0.0", vendor: "tests",
                discovery: .init(methods: [.init(method: "fixed-url", urlTemplate: "https://mail.{domain}/EWS/Exchange.asmx")]),
                auth: .init(schemes: ["ntlm"]),
                ews: .init(requestServerVersion: "Exchange2013_SP1", connectingSIDs: ["smtp-address", "primary-smtp-address"]))
            let target = TargetConfiguration.simulated(sim)
            var warnings: [String] = []
            let credentials = try target.credentials(environment: [passwordVariable: sim.serviceAccountPassword], warnings: &warnings)
            let report = await SuiteRunner(target: target, credentials: credentials,
                                           options: RunOptions(runID: RunOptions.makeRunID(), profile: RunProfile(manifest: manifest, source: "test"))).run()
            let first = try #require(report.results(CheckCatalog.impersonationGetFolder).first)
            #expect(first.outcome == .passed, "\(first.message)")
            #expect(first.facts["connecting_sid"] == "SmtpAddress, PrimarySmtpAddress")
            // The voicemail CreateItem impersonated with the first form.
            let creates = report.evidence.filter { $0.requestBody.contains("<m:CreateItem") }
            #expect(!creates.isEmpty && creates.allSatisfy { $0.requestBody.contains("<t:SmtpAddress>") })
        }
    }
}
