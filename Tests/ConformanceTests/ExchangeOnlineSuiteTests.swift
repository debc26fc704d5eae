@testable import Conformance
import EWSExecutor
@testable import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Synchronization
import Reports
import Testing

/// A schema-validating exchange-online simulator around a test body.
private func withOnlineSimulator<R>(secret: String? = nil, _ body: (Simulator, EntraTenant) async throws -> R) async throws -> R {
    try await Fixtures.withSimulator(configure: {
        $0.flavor = .exchangeOnline
        $0.exchangeOnline.clientSecret = secret
    }) { simulator in try await body(simulator, try #require(simulator.entra)) }
}

/// An oauth2 target for the simulator, the client secret in a mode-600 file.
private func onlineTarget(_ sim: Simulator, _ entra: EntraTenant, app: EntraApplication? = nil,
                          secret: String? = nil) throws -> TargetConfiguration {
    let app = app ?? entra.consentedApplication
    let file = try TestPaths.temporaryDirectory("exo-secret") + "/client.secret"
    FileManager.default.createFile(atPath: file, contents: Data((secret ?? entra.clientSecret(of: app.clientID) ?? "").utf8),
                                   attributes: [.posixPermissions: 0o600])
    var account = TargetConfiguration.ServiceAccount(username: app.clientID, auth: .oauth2, secret: .file(file))
    account.oauth = .init(tenantID: entra.tenantID, clientID: app.clientID, tokenEndpoint: sim.tokenEndpointURL)
    var target = TargetConfiguration(name: "exchange online simulator", ewsURL: sim.outlookURL, serviceAccount: account,
                                     mailboxes: sim.mailboxesInScope, outOfScopeMailbox: sim.mailboxOutOfScope,
                                     nonexistentMailbox: sim.nonexistentMailbox, caFile: sim.caFile, hostPins: sim.exchangeOnlineHostPins)
    target.distributionList = "support@\(sim.configuration.domain)"
    return target
}

/// Runs the suite the way `ewscheck run` does: credentials() first, then the runner.
private func runOnline(_ target: TargetConfiguration, progress: @escaping @Sendable (CheckResult) -> Void = { _ in }) async throws -> RunReport {
    var warnings: [String] = []
    let credentials = try target.credentials(environment: [:], warnings: &warnings)
    return await SuiteRunner(target: target, credentials: credentials,
                             options: RunOptions(runID: RunOptions.makeRunID()), warnings: warnings).run(progress: progress)
}

/// Collects console lines from the progress callback.
private final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func add(_ line: String) { lines.locked { $0.append(line) } }
    var all: [String] { lines.locked { $0 } }
}

@Suite("Suite against Exchange Online (OAuth 2.0 client credentials)")
struct ExchangeOnlineSuiteTests {
    @Test("the runner gets a token first, runs EWS with Bearer and reports the token's claims in auth.oauth.token")
    func tokenFirstThenBearer() async throws {
        try await withOnlineSimulator { sim, entra in
            let report = try await runOnline(try onlineTarget(sim, entra))
            let token = try report.result(OAuthTokenCheck.id)
            #expect(token.outcome == .passed, "\(token.message)")
            #expect(token.facts["token_aud"] == "https://outlook.office365.com")
            #expect(token.facts["token_roles"] == "full_access_as_app")
            #expect(token.facts["token_tid"] == entra.tenantID)
            #expect(token.facts["token_appid"] == entra.consentedApplication.clientID)
            #expect(token.facts["token_idtyp"] == "app")
            #expect(token.facts["token_exp"] != nil)
            #expect(token.evidence == [1], "the token request is the run's first exchange")
            #expect(report.target.authScheme == "Bearer")
            #expect(try report.result(CheckCatalog.serviceAccountAuth).outcome == .passed)
            for mailbox in sim.mailboxesInScope {
                #expect(report.results(CheckCatalog.impersonationGetFolder).first { $0.mailbox == mailbox }?.outcome == .passed)
            }
            // Exchange Online keeps an app from a mailbox its Application Access Policy excludes with a bare 403: Exchange's form there.
            let outOfScope = try report.result(CheckCatalog.outOfScopeDenied)
            #expect(outOfScope.outcome == .passed && outOfScope.facts["http_status"] == "403", "\(outOfScope.outcome): \(outOfScope.message)")
            #expect(outOfScope.facts["expected_refusal"] == "ErrorImpersonateUserDenied as an HTTP 500 SOAP fault, or a bare HTTP 403")
            #expect(Set(report.evidence.map(\.id)).count == report.evidence.count, "exchange ids are unique across the two transports")
            let tokenRequests = sim.requestLog.filter { $0.operation == "oauth2/v2.0/token" }
            #expect(tokenRequests.count == 1, "one token serves the whole run")
            let ews = sim.requestLog.filter { $0.operation != nil && $0.operation != "oauth2/v2.0/token" }
            #expect(!ews.isEmpty && ews.allSatisfy { $0.authScheme == "Bearer" })
            // Every anchored impersonated request anchors the mailbox it impersonates (the
            // impersonation matrix also sends one request per mailbox and form without an anchor).
            let impersonated = ews.filter { $0.impersonated != nil }
            #expect(impersonated.filter { $0.anchorMailbox != nil }.allSatisfy { $0.anchorMailbox == $0.impersonated })
            #expect(impersonated.filter { $0.anchorMailbox == nil }.count <= sim.mailboxesInScope.count * 4)
        }
    }

    @Test("notifications.pull passes for every mailbox in Exchange Online: subscriptions anchored and impersonated, each ended")
    func pullNotifications() async throws {
        try await withOnlineSimulator { sim, entra in
            let report = try await runOnline(try onlineTarget(sim, entra))
            let results = report.results(CheckCatalog.notificationsPull)
            #expect(results.count == sim.mailboxesInScope.count)
            #expect(results.allSatisfy { $0.outcome == .passed && $0.facts["latency_max_ms"] != nil && $0.facts["unsubscribe"] == "NoError" },
                    "\(results.map { "\($0.outcome): \($0.message)" })")
            let calls = sim.requestLog.filter { ["Subscribe", "GetEvents", "Unsubscribe"].contains($0.operation ?? "") }
            #expect(!calls.isEmpty && calls.allSatisfy { $0.impersonated != nil && $0.anchorMailbox == $0.impersonated })
        }
    }

    @Test("the client secret, the access token and 'Bearer <token>' appear in no report, trace, log line or message")
    func secretsNeverLeak() async throws {
        let sentinel = "Sentinel~Secret/+=&%-\(UUID().uuidString)"
        try await withOnlineSimulator(secret: sentinel) { sim, entra in
            let lines = Lines()
            let target = try onlineTarget(sim, entra)
            let report = try await runOnline(target) { lines.add(ConsoleReport.line($0)) }
            #expect(try report.result(OAuthTokenCheck.id).outcome == .passed)
            let dir = try TestPaths.temporaryDirectory("exo-reports")
            let written = try ReportStore(root: dir).write(report)
            lines.add(ConsoleReport.summary(report, written: written))

            var texts: [(String, String)] = [
                ("report.json", String(decoding: try JSONReportWriter.encode(report), as: UTF8.self)),
                ("junit.xml", JUnitReportWriter.render(report)),
                ("console", lines.all.joined(separator: "\n")),
                ("request log", try String(contentsOfFile: try #require(sim.configuration.stateDirectory) + "/requests.jsonl", encoding: .utf8)),
                ("messages and warnings", (report.results.map(\.message) + report.warnings).joined(separator: "\n")),
                ("traces", report.evidence.map { "\($0)" }.joined(separator: "\n")),
            ]
            for file in try FileManager.default.subpathsOfDirectory(atPath: written.directory) {
                if let text = try? String(contentsOfFile: written.directory + "/" + file, encoding: .utf8) { texts.append((file, text)) }
            }
            let tokens = entra.issuedTokens
            try #require(!tokens.isEmpty, "the run got no token from the simulator")
            var forbidden: [(String, String)] = [
                ("client secret", sentinel),
                ("client secret, JSON-escaped", sentinel.replacingOccurrences(of: "/", with: "\\/")),
                ("client secret, form-encoded", sentinel.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? sentinel),
                ("client secret, Basic", Data("\(entra.consentedApplication.clientID):\(sentinel)".utf8).base64EncodedString()),
            ]
            for token in tokens {
                forbidden.append(("access token", token))
                forbidden.append(("Bearer <token>", "Bearer \(token)"))
                forbidden.append(("token signature", String(token.split(separator: ".")[2])))
                forbidden.append(("token claims segment", String(token.split(separator: ".")[1])))
            }
            for (place, text) in texts {
                for (what, value) in forbidden {
                    #expect(!text.contains(value), "the \(what) appears in \(place)")
                }
                // Any JWT at all (header and claims segments both start `eyJ`).
                #expect(text.range(of: #"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}"#, options: .regularExpression) == nil,
                        "something shaped like a JWT appears in \(place)")
            }
        }
    }

    @Test("a wrong client secret fails auth.oauth.token with the AADSTS code; everything that needs EWS is skipped, naming it")
    func wrongSecret() async throws {
        let wrong = "Wrong~Secret-\(UUID().uuidString)"
        try await withOnlineSimulator { sim, entra in
            let report = try await runOnline(try onlineTarget(sim, entra, secret: wrong))
            let token = try report.result(OAuthTokenCheck.id)
            #expect(token.outcome == .failed)
            #expect(token.message.contains("HTTP 401 invalid_client: AADSTS7000215: Invalid client secret provided."), "\(token.message)")
            #expect(token.facts["error_codes"] == "AADSTS7000215")
            #expect(token.facts["trace_id"] != nil)
            #expect(token.evidence == [1])
            let auth = try report.result(CheckCatalog.serviceAccountAuth)
            #expect(auth.outcome == .skipped)
            #expect(auth.message == "depends on auth.oauth.token, which failed", "\(auth.message)")
            #expect(report.results.filter { $0.mailbox != nil }.allSatisfy { $0.outcome == .skipped && $0.message.contains("auth.oauth.token failed") })
            #expect(report.target.authScheme == "none")
            let json = String(decoding: try JSONReportWriter.encode(report), as: UTF8.self)
            #expect(json.contains("AADSTS7000215"), "the token endpoint's answer is in the evidence")
            #expect(!json.contains(wrong))
        }
    }

    @Test("an app without admin consent gets a token without roles: auth.oauth.token fails and no EWS request is made with it")
    func appWithoutConsent() async throws {
        try await withOnlineSimulator { sim, entra in
            let report = try await runOnline(try onlineTarget(sim, entra, app: entra.unconsentedApplication))
            let token = try report.result(OAuthTokenCheck.id)
            #expect(token.outcome == .failed)
            #expect(token.message.contains("no full_access_as_app role"), "\(token.message)")
            #expect(token.facts["token_roles"] == "(none)")
            let auth = try report.result(CheckCatalog.serviceAccountAuth)
            #expect(auth.outcome == .skipped)
            #expect(auth.message.contains("auth.oauth.token"), "\(auth.message)")
            // The first contact is an unauthenticated POST; none may carry the token.
            #expect(!report.evidence.contains { e in
                e.method == "POST" && e.url.contains("/EWS/")
                    && e.legs.contains { $0.requestHeaders.contains { $0.name.lowercased() == "authorization" } }
            }, "no EWS request with a role-less token")
        }
    }

    @Test("a missing secret file is an errored token check that names the key")
    func missingSecretFile() async throws {
        try await withOnlineSimulator { sim, entra in
            var target = try onlineTarget(sim, entra)
            target.serviceAccount.secret = .file("/nonexistent/client.secret")
            let report = await SuiteRunner(target: target, credentials: .none, options: RunOptions(runID: RunOptions.makeRunID())).run()
            let token = try report.result(OAuthTokenCheck.id)
            #expect(token.outcome == .errored)
            #expect(token.message == "cannot read the client secret: service_account.client_secret_file /nonexistent/client.secret does not exist or cannot be read")
        }
    }
}
