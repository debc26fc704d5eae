@testable import Conformance
@testable import EWSProtocol
@testable import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// A schema-validating simulator of `flavor` with two in-scope mailboxes (bob is the one the
/// per-mailbox policy quirks block) around a test body.
private func withPolicySimulator<R>(_ flavor: SimulatorFlavor, quirks: Set<SimulatorQuirk>,
                                    _ body: (Simulator) async throws -> R) async throws -> R {
    try await LiveSimulator.with(quirks: quirks, configure: {
        $0.flavor = flavor
        $0.mailboxesInScope = ["alice", "bob"]
    }, body)
}

/// The run of the checks up to the impersonated Inbox read, with the service account's NTLM
/// password (on premises) or the consented application's client secret (Exchange Online).
private func runPolicyChecks(_ sim: Simulator) async throws -> RunReport {
    var target: TargetConfiguration
    var environment: [String: String] = [:]
    if let entra = sim.entra {
        let app = entra.consentedApplication
        let file = try TestPaths.temporaryDirectory("policy-secret") + "/client.secret"
        FileManager.default.createFile(atPath: file, contents: Data((entra.clientSecret(of: app.clientID) ?? "").utf8),
                                       attributes: [.posixPermissions: 0o600])
        var account = TargetConfiguration.ServiceAccount(username: app.clientID, auth: .oauth2, secret: .file(file))
        account.oauth = .init(tenantID: entra.tenantID, clientID: app.clientID, tokenEndpoint: sim.tokenEndpointURL)
        target = TargetConfiguration(name: "exchange online simulator", ewsURL: sim.outlookURL, serviceAccount: account,
                                     mailboxes: sim.mailboxesInScope, outOfScopeMailbox: nil, nonexistentMailbox: nil,
                                     caFile: sim.caFile, hostPins: sim.exchangeOnlineHostPins)
    } else {
        target = .simulated(sim, negativeControls: false)
        environment[passwordVariable] = sim.serviceAccountPassword
    }
    var warnings: [String] = []
    let credentials = try target.credentials(environment: environment, warnings: &warnings)
    var options = RunOptions(runID: RunOptions.makeRunID())
    options.selection = CheckSelection(only: [CheckCatalog.impersonationGetFolder.rawValue])
    return await SuiteRunner(target: target, credentials: credentials, options: options, warnings: warnings).run()
}

private extension RunReport {
    func getFolder(_ mailbox: String) -> CheckResult? {
        results(CheckCatalog.impersonationGetFolder).first { $0.mailbox == mailbox }
    }
}

@Suite("EWS blocked by policy, diagnosed by name (issue 10 point 9)")
struct PolicyBlockTests {
    @Test("an application not on Exchange Online's EWS allow list fails auth.service-account naming the allow list, the app id and Set-OrganizationConfig")
    func applicationNotOnAllowList() async throws {
        try await withPolicySimulator(.exchangeOnline, quirks: [.appNotOnEwsAllowList]) { sim in
            let report = try await runPolicyChecks(sim)
            let auth = try report.result(CheckCatalog.serviceAccountAuth)
            let app = try #require(sim.entra?.consentedApplication.clientID)
            #expect(auth.outcome == .failed, "a tenant setting is the provider's configuration, not a harness error")
            #expect(auth.message.contains("not on the tenant's EWS application allow list"), "\(auth.message)")
            #expect(auth.message.contains("Set-OrganizationConfig -EwsEnabled $true -EwsAllowedAppIDs @{Add=\"\(app)\"}"), "\(auth.message)")
            #expect(auth.message.contains("1 October 2026"))
            #expect(auth.facts["policy_block_causes"]?.hasPrefix(PolicyBlock.Cause.applicationNotAllowListed.rawValue) == true)
            #expect(auth.facts["http_status"] == "403")
            #expect(auth.facts["policy_block_answer"]?.contains("inferred") == true, "the facts say what is inferred")
            #expect(!auth.message.contains("forbidden"), "not the generic answer")
        }
    }

    @Test("EWS disabled for the organisation fails auth.service-account naming -EwsEnabled, in Exchange Online and on premises")
    func organizationDisabled() async throws {
        for flavor in [SimulatorFlavor.exchangeOnline, .onPremises] {
            try await withPolicySimulator(flavor, quirks: [.organizationEwsDisabled]) { sim in
                let report = try await runPolicyChecks(sim)
                let auth = try report.result(CheckCatalog.serviceAccountAuth)
                #expect(auth.outcome == .failed, "\(flavor)")
                #expect(auth.message.contains("EWS is disabled for the organisation"), "\(flavor): \(auth.message)")
                #expect(auth.message.contains("Set-OrganizationConfig -EwsEnabled $true"), "\(flavor): \(auth.message)")
                #expect(auth.facts["policy_block_causes"]?.contains(PolicyBlock.Cause.organizationDisabled.rawValue) == true)
                #expect(report.getFolder(sim.mailboxesInScope[0])?.outcome == .skipped, "nothing more can be tested")
            }
        }
    }

    @Test("on premises, an EWS allow list that leaves the client's User-Agent out names -EwsApplicationAccessPolicy and -EwsAllowList with the User-Agent")
    func userAgentNotOnAllowList() async throws {
        try await withPolicySimulator(.onPremises, quirks: [.appNotOnEwsAllowList]) { sim in
            let report = try await runPolicyChecks(sim)
            let auth = try report.result(CheckCatalog.serviceAccountAuth)
            #expect(auth.outcome == .failed)
            #expect(auth.message.contains("-EwsApplicationAccessPolicy EnforceAllowList"), "\(auth.message)")
            #expect(auth.message.contains("Set-OrganizationConfig -EwsAllowList @{Add=\"ewscheck/"), "\(auth.message)")
            #expect(auth.message.contains("User not allowed to access EWS"))
        }
    }

    @Test("EWS disabled for one mailbox fails only that mailbox's impersonated GetFolder, naming Set-CASMailbox -EwsEnabled")
    func mailboxDisabled() async throws {
        try await withPolicySimulator(.exchangeOnline, quirks: [.mailboxEwsDisabled]) { sim in
            let report = try await runPolicyChecks(sim)
            let (alice, bob) = (sim.mailboxesInScope[0], sim.mailboxesInScope[1])
            #expect(try report.result(CheckCatalog.serviceAccountAuth).outcome == .passed)
            #expect(report.getFolder(alice)?.outcome == .passed)
            let blocked = try #require(report.getFolder(bob))
            #expect(blocked.outcome == .failed)
            #expect(blocked.message.contains("EWS blocked for \(bob)"), "\(blocked.message)")
            #expect(blocked.message.contains("Set-CASMailbox \(bob) -EwsEnabled $true"), "\(blocked.message)")
            #expect(blocked.facts["policy_block_causes"]?.hasPrefix(PolicyBlock.Cause.mailboxDisabled.rawValue) == true)
        }
    }

    @Test("a mailbox with only a Kiosk/frontline licence fails its impersonated GetFolder naming the licence and the licences that carry EWS")
    func kioskLicence() async throws {
        try await withPolicySimulator(.exchangeOnline, quirks: [.mailboxKioskLicence]) { sim in
            let report = try await runPolicyChecks(sim)
            let bob = sim.mailboxesInScope[1]
            #expect(report.getFolder(sim.mailboxesInScope[0])?.outcome == .passed)
            let blocked = try #require(report.getFolder(bob))
            #expect(blocked.outcome == .failed)
            #expect(blocked.message.contains("Kiosk/frontline licence (Exchange Online Kiosk, Microsoft 365 F1 or F3) without EWS rights"), "\(blocked.message)")
            #expect(blocked.message.contains("assign a licence with EWS (Exchange Online Plan 1 or 2, E3, E5)"), "\(blocked.message)")
            #expect(blocked.facts["policy_block_causes"]?.contains(PolicyBlock.Cause.kioskLicence.rawValue) == true)
        }
    }

    @Test("an Application Access Policy that leaves a mailbox out fails its impersonated GetFolder naming New-ApplicationAccessPolicy and Test-ApplicationAccessPolicy")
    func applicationAccessPolicy() async throws {
        try await withPolicySimulator(.exchangeOnline, quirks: [.applicationAccessPolicyExcludesMailbox]) { sim in
            let report = try await runPolicyChecks(sim)
            let bob = sim.mailboxesInScope[1]
            let app = try #require(sim.entra?.consentedApplication.clientID)
            #expect(report.getFolder(sim.mailboxesInScope[0])?.outcome == .passed)
            let blocked = try #require(report.getFolder(bob))
            #expect(blocked.outcome == .failed)
            #expect(blocked.message.contains("New-ApplicationAccessPolicy -AppId \(app)"), "\(blocked.message)")
            #expect(blocked.message.contains("Test-ApplicationAccessPolicy -Identity \(bob) -AppId \(app)"), "\(blocked.message)")
            #expect(blocked.facts["policy_block_causes"]?.contains(PolicyBlock.Cause.applicationAccessPolicy.rawValue) == true)
        }
    }

    @Test("a healthy tenant is unaffected, and on premises a mailbox's own EwsEnabled does not bind impersonation (Exchange exempts it)")
    func healthyRuns() async throws {
        for (flavor, quirks) in [(SimulatorFlavor.onPremises, Set<SimulatorQuirk>()), (.exchangeOnline, []), (.onPremises, [.mailboxEwsDisabled])] {
            try await withPolicySimulator(flavor, quirks: quirks) { sim in
                let report = try await runPolicyChecks(sim)
                #expect(try report.result(CheckCatalog.serviceAccountAuth).outcome == .passed, "\(flavor) \(quirks)")
                for mailbox in sim.mailboxesInScope {
                    let result = report.getFolder(mailbox)
                    #expect(result?.outcome == .passed, "\(flavor) \(quirks) \(mailbox): \(result?.message ?? "no result")")
                    #expect(result?.facts["policy_block_causes"] == nil)
                }
            }
        }
    }

    @Test("only Exchange's bare 403 is diagnosed: a 403 with a page is not; the impersonated mailbox is read from the request")
    func recognition() throws {
        func call(status: Int, body: String, request: String, anchor: String? = nil) -> EWSCall<FolderInfo> {
            let leg = HTTPExchange.Leg(requestHeaders: anchor.map { [HTTPHeader("X-AnchorMailbox", $0)] } ?? [], status: status, responseHeaders: [])
            let exchange = HTTPExchange(id: 1, started: Date(), method: "POST", url: "https://mail.contoso.com/EWS/Exchange.asmx",
                                        requestBody: request, legs: [leg], responseBody: body, durationMilliseconds: 1,
                                        remoteAddress: nil, newConnections: 0, error: nil)
            return EWSCall(outcome: .httpError(status: status, reason: "forbidden"), httpStatus: status, serverVersion: nil,
                           exchange: exchange, responseHeaders: [])
        }
        let impersonating = "<soap:Header><t:ExchangeImpersonation><t:ConnectingSID><t:PrimarySmtpAddress>bob@contoso.com</t:PrimarySmtpAddress></t:ConnectingSID></t:ExchangeImpersonation></soap:Header>"
        let own = try #require(PolicyBlock.diagnose(call(status: 403, body: "", request: "<soap:Header/>"), mailbox: nil, appID: nil,
                                                    account: "svc@contoso.com", userAgent: "ewscheck/0.1"))
        #expect(own.causes.first == .organizationDisabled)
        let mailbox = try #require(PolicyBlock.diagnose(call(status: 403, body: "\r\n", request: impersonating), mailbox: nil, appID: "app-id",
                                                        account: "app-id", userAgent: "ewscheck/0.1"))
        #expect(mailbox.causes == [.mailboxDisabled, .kioskLicence, .applicationAccessPolicy])
        #expect(mailbox.message.contains("EWS blocked for bob@contoso.com"))
        let bySID = impersonating.replacingOccurrences(of: "<t:PrimarySmtpAddress>bob@contoso.com</t:PrimarySmtpAddress>", with: "<t:SID>S-1-5-21-1-2-3-1105</t:SID>")
        let anchored = try #require(PolicyBlock.diagnose(call(status: 403, body: "", request: bySID, anchor: "bob@contoso.com"), mailbox: nil,
                                                         appID: "app-id", account: "app-id", userAgent: "ewscheck/0.1"))
        #expect(anchored.message.contains("Set-CASMailbox bob@contoso.com -EwsEnabled $true"), "the anchor's address, not the SID, goes into the commands")
        #expect(PolicyBlock.diagnose(call(status: 403, body: "<html><title>Access denied</title></html>", request: ""), mailbox: nil, appID: nil,
                                     account: "svc", userAgent: "ewscheck/0.1") == nil, "a proxy's page is not Exchange's policy answer")
        #expect(PolicyBlock.diagnose(call(status: 401, body: "", request: ""), mailbox: nil, appID: nil, account: "svc", userAgent: "u") == nil)
    }
}
