@testable import Conformance
@testable import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import ProviderManifest
import Testing

/// A profile's discover_endpoint and acquire_token hooks, and its fixed-url plan, take part in
/// a run (the CLI bridges a plugin's C hooks into these closures).
@Suite struct ProfileHookRunTests {
    static func manifest(methods: [ProviderManifest.DiscoveryMethod], schemes: [String] = ["basic"]) -> ProviderManifest {
        ProviderManifest(id: "hook-test", name: "hook test", version: "1", vendor: "tests",
                         discovery: .init(methods: methods),
                         auth: .init(schemes: schemes, oauth: schemes.contains("oauth2-client-credentials")
                             ? .init(tokenEndpointTemplate: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
                                     scopeTemplate: "https://outlook.office365.com/.default") : nil),
                         ews: .init(requestServerVersion: "Exchange2013_SP1"))
    }

    static func pendingTarget(_ sim: Simulator) -> TargetConfiguration {
        var target = TargetConfiguration(
            name: "discovered", ewsURL: "https://mail.contoso.com/EWS/Exchange.asmx",
            serviceAccount: .init(username: sim.serviceAccount, auth: .basic, secret: .environment("UNUSED")),
            mailboxes: sim.mailboxesInScope, outOfScopeMailbox: nil, nonexistentMailbox: nil,
            caFile: sim.caFile, hostPins: [HostPin(host: "mail.contoso.com", port: sim.port, address: "127.0.0.1")])
        target.awaitDiscoveredEWSURL()
        target.discovery = DiscoverySettings(address: sim.mailboxesInScope[0])
        return target
    }

    @Test func aPluginHookFindsTheEndpointWhenTheProfileSaysSo() async throws {
        try await Fixtures.withSimulator(validate: false) { sim in
            var profile = RunProfile(manifest: Self.manifest(methods: [.init(method: "plugin-hook")]), source: "test")
            let asked = LockedList()
            profile.endpointDiscoverer = { input in
                asked.append("\(input.emailAddress) \(input.domain)")
                return DiscoverEndpointOutput(ewsURL: sim.ewsURL)
            }
            let credentials = HTTPCredentials.basic(user: sim.serviceAccount, password: Secret(sim.serviceAccountPassword))
            let (target, _) = await Self.pendingTarget(sim).discoveringEndpoint(credentials: credentials, profile: profile)
            #expect(target.ewsURL == sim.ewsURL)
            #expect(target.discovery?.endpointSource == "plugin-hook")
            #expect(asked.items == ["alice@contoso.com contoso.com"])
        }
    }

    @Test func aFixedURLTemplateIsExpandedWithTheDomain() async throws {
        try await Fixtures.withSimulator(validate: false) { sim in
            let template = "https://mail.{domain}:\(sim.port)/EWS/Exchange.asmx"
            let profile = RunProfile(manifest: Self.manifest(methods: [.init(method: "fixed-url", urlTemplate: template)]), source: "test")
            let (target, _) = await Self.pendingTarget(sim).discoveringEndpoint(credentials: .none, profile: profile)
            #expect(target.ewsURL == sim.ewsURL)
            #expect(target.discovery?.endpointSource == "fixed-url")
        }
    }

    @Test func aHookThatAnswersPlainHTTPIsNotFollowed() async throws {
        try await Fixtures.withSimulator(validate: false) { sim in
            var profile = RunProfile(manifest: Self.manifest(methods: [.init(method: "plugin-hook")]), source: "test")
            profile.endpointDiscoverer = { _ in DiscoverEndpointOutput(ewsURL: "http://mail.contoso.com/EWS/Exchange.asmx") }
            let (target, _) = await Self.pendingTarget(sim).discoveringEndpoint(credentials: .none, profile: profile)
            #expect(target.ewsURLIsPending)
        }
    }

    @Test func anAcquireTokenHookSuppliesTheBearerTokenAndNeverAppearsInTheReport() async throws {
        try Fixtures.requireShared()
        var config = SimulatorConfiguration()
        config.flavor = .exchangeOnline
        config.stateDirectory = try Fixtures.temporaryDirectory("hook-exo")
        try await withSimulator({ try await Simulator.start(config) }) { sim in
            let entra = try #require(sim.entra)
            let app = entra.consentedApplication
            let secretFile = config.stateDirectory! + "/client.secret"
            FileManager.default.createFile(atPath: secretFile, contents: Data((entra.clientSecret(of: app.clientID) ?? "").utf8),
                                           attributes: [.posixPermissions: 0o600])
            var account = TargetConfiguration.ServiceAccount(username: app.clientID, auth: .oauth2, secret: .file(secretFile))
            account.oauth = .init(tenantID: entra.tenantID, clientID: app.clientID, tokenEndpoint: sim.tokenEndpointURL)
            var target = TargetConfiguration(name: "hook token", ewsURL: sim.outlookURL, serviceAccount: account,
                                             mailboxes: sim.mailboxesInScope, outOfScopeMailbox: nil, nonexistentMailbox: nil,
                                             caFile: sim.caFile, hostPins: sim.exchangeOnlineHostPins)
            // UPNs and SIDs, so every ConnectingSID form runs.
            target.mailboxEntries = sim.mailboxEntries
            let minted = entra.mintAccessToken(AccessTokenRequest(clientID: app.clientID))
            var profile = RunProfile(manifest: Self.manifest(methods: [.init(method: "fixed-url", urlTemplate: "https://outlook.office365.com/EWS/Exchange.asmx")],
                                                             schemes: ["oauth2-client-credentials"]), source: "test")
            let calls = LockedList()
            profile.tokenAcquirer = { input in
                calls.append("\(input.clientID) \(input.scope) secret:\(!input.clientSecret.isEmpty)")
                return AcquireTokenOutput(accessToken: minted, expiresIn: 3600)
            }
            var warnings: [String] = []
            let credentials = try target.credentials(environment: [:], warnings: &warnings)
            let report = await SuiteRunner(target: target, credentials: credentials, options: RunOptions(runID: "hook-token", profile: profile)).run()
            let token = try #require(report.results.first { $0.id.rawValue == "auth.oauth.token" })
            #expect(token.outcome == .passed, "\(token.message)")
            #expect(token.message.contains("acquire_token hook"))
            #expect(calls.items == ["\(app.clientID) https://outlook.office365.com/.default secret:true"])
            #expect(report.results.filter { $0.mailbox != nil }.allSatisfy { $0.outcome == .passed })
            // The simulator's token endpoint was never asked: the hook gave the token.
            #expect(!sim.requestLog.contains { $0.path.contains("/oauth2/") })
            let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
            #expect(!json.contains(minted))
            #expect(!json.contains(entra.clientSecret(of: app.clientID) ?? "never"))
        }
    }
}
