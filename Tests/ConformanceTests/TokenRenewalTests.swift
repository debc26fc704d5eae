@testable import Conformance
import EWSExecutor
@testable import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Reports
import Synchronization
import Testing

/// An exchange-online simulator whose tokens live `lifetime` seconds with no clock skew, every
/// answer delayed `latency` ms, around a test body.
private func withShortTokens<R>(lifetime: Int, latency: Int = 0, _ body: (Simulator, EntraTenant) async throws -> R) async throws -> R {
    try await Fixtures.withSimulator(validate: false, configure: {
        $0.flavor = .exchangeOnline
        $0.exchangeOnline.tokenLifetimeSeconds = lifetime
        $0.exchangeOnline.clockSkewSeconds = 0
        $0.latencyMilliseconds = latency
    }) { simulator in try await body(simulator, try #require(simulator.entra)) }
}

/// An oauth2 target for the simulator, the client secret in a mode-600 file.
private func renewalTarget(_ sim: Simulator, _ entra: EntraTenant) throws -> TargetConfiguration {
    let app = entra.consentedApplication
    let file = try TestPaths.temporaryDirectory("renewal-secret") + "/client.secret"
    _ = FileManager.default.createFile(atPath: file, contents: Data((entra.clientSecret(of: app.clientID) ?? "").utf8),
                                   attributes: [.posixPermissions: 0o600])
    var account = TargetConfiguration.ServiceAccount(username: app.clientID, auth: .oauth2, secret: .file(file))
    account.oauth = .init(tenantID: entra.tenantID, clientID: app.clientID, tokenEndpoint: sim.tokenEndpointURL)
    return TargetConfiguration(name: "exchange online simulator, short tokens", ewsURL: sim.outlookURL, serviceAccount: account,
                               mailboxes: sim.mailboxesInScope, outOfScopeMailbox: sim.mailboxOutOfScope,
                               nonexistentMailbox: sim.nonexistentMailbox, caFile: sim.caFile, hostPins: sim.exchangeOnlineHostPins)
}

/// A token that is no JWT, for the source's own logic.
private func plainToken(_ value: String, expiresIn: Int, at date: Date) -> AccessToken {
    let exchange = HTTPExchange(id: 0, started: date, method: "POST", url: "https://login.example/token", requestBody: "", legs: [],
                                responseBody: "", durationMilliseconds: 0, remoteAddress: nil, newConnections: 0, error: nil)
    return AccessToken(value: Secret(value), tokenType: "Bearer", expiresIn: expiresIn, obtainedAt: date, claims: nil, exchange: exchange)
}

@Suite("Bearer token renewal (runs longer than a token)")
struct TokenRenewalTests {
    @Test("the renewal margin is 10 % of the lifetime, at least 5 s or half the lifetime, at most 60 s, never below 0")
    func margin() {
        #expect(BearerTokenSource.margin(lifetime: 3) == 1.5)
        #expect(BearerTokenSource.margin(lifetime: 4) == 2)
        #expect(BearerTokenSource.margin(lifetime: 30) == 5)
        #expect(BearerTokenSource.margin(lifetime: 100) == 10)
        #expect(BearerTokenSource.margin(lifetime: 3599) == 60)
        #expect(BearerTokenSource.margin(lifetime: 0) == 0)
        #expect(BearerTokenSource.margin(lifetime: -5) == 0)
        let start = Date(timeIntervalSince1970: 1_000_000)
        let token = plainToken("t", expiresIn: 100, at: start)
        #expect(!BearerTokenSource.isDue(token, at: start.addingTimeInterval(89.9)))
        #expect(BearerTokenSource.isDue(token, at: start.addingTimeInterval(90)))
    }

    @Test("concurrent requests that find the token due share one renewal; a failed renewal is a named error and the next request tries again")
    func oneRenewalAtATime() async throws {
        let clock = Mutex(Date(timeIntervalSince1970: 1_000_000))
        let calls = Mutex(0)
        let failNext = Mutex(false)
        // The renewal answers once all twenty callers below have started, so they overlap it.
        let allStarted = TestEvent(count: 20)
        let source = BearerTokenSource(initial: plainToken("first", expiresIn: 10, at: clock.locked { $0 }),
                                       now: { clock.locked { $0 } }) { () async throws(OAuthError) -> AccessToken in
            let n = calls.locked { $0 += 1; return $0 }
            if failNext.locked({ $0 }) {
                var e = OAuthError.refused("the token endpoint refused the request: HTTP 401 invalid_client")
                e.httpStatus = 401
                throw e
            }
            await allStarted.wait(timeout: .seconds(30))
            return plainToken("renewed-\(n)", expiresIn: 10, at: clock.locked { $0 })
        }
        #expect(try await source.credentials() == .bearer(token: Secret("first")))
        #expect(calls.locked { $0 } == 0, "a fresh token is not renewed")

        clock.locked { $0 = $0.addingTimeInterval(9.5) }  // within the 5 s margin (half a 10 s lifetime)
        let log = TokenRenewalLog()
        let tokens = try await TokenRenewalLog.$current.withValue(log) {
            try await withThrowingTaskGroup(of: HTTPCredentials.self) { group in
                for _ in 0..<20 {
                    group.addTask {
                        allStarted.signal()
                        return try await source.credentials()
                    }
                }
                var all: [HTTPCredentials] = []
                for try await c in group { all.append(c) }
                return all
            }
        }
        #expect(calls.locked { $0 } == 1, "twenty concurrent requests, one renewal")
        #expect(Set(tokens) == [.bearer(token: Secret("renewed-1"))])
        #expect(await source.renewals.count == 1)
        #expect(log.facts["token_renewals"] == "1")
        #expect(log.facts["token_renewal_expires_in"] == "10")

        clock.locked { $0 = $0.addingTimeInterval(9.5) }
        failNext.locked { $0 = true }
        await #expect { try await source.credentials() } throws: { error in
            guard let e = error as? TransportError else { return false }
            return e.kind == "token-renewal-failed" && e.message.contains("could not be renewed") && e.message.contains("invalid_client")
        }
        failNext.locked { $0 = false }
        #expect(try await source.credentials() == .bearer(token: Secret("renewed-3")), "the next request renews again")
        #expect(await source.renewals.count == 2)
    }

    @Test("without renewal, the simulator refuses an expired token as Exchange Online does: 401, Bearer error=\"invalid_token\"")
    func expiredTokenIsRefused() async throws {
        try await withShortTokens(lifetime: 4) { sim, entra in
            var request = AccessTokenRequest(clientID: entra.consentedApplication.clientID)
            request.lifetime = -1  // expired a second ago; the simulator allows no clock skew here
            let expired = entra.mintAccessToken(request)
            let target = try renewalTarget(sim, entra)
            let transport = HTTPTransport(configuration: target.transportConfiguration(credentials: .bearer(token: Secret(expired))))
            defer { transport.shutdown() }
            let body = #"<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body/></soap:Envelope>"#
            let response = try await transport.send(HTTPRequest(method: "POST", url: sim.outlookURL,
                                                                headers: [HTTPHeader("Content-Type", "text/xml; charset=utf-8")],
                                                                body: Array(body.utf8)))
            #expect(response.status == 401)
            let challenge = response.headers.all("WWW-Authenticate").first { $0.lowercased().hasPrefix("bearer") } ?? ""
            #expect(challenge.contains(#"error="invalid_token""#), "\(challenge)")
            #expect(response.headers.first("x-ms-diagnostics")?.contains("The token has expired.") == true)
        }
    }

    @Test("a run longer than two tokens passes: its requests renew the token before it expires, the evidence shows each renewal, no token leaks")
    func runOutlastsTheToken() async throws {
        // The whole suite, each answer 90 ms late: about 7 s with 3 s tokens (measured: 284
        // requests took 11 s at 100 ms).
        let lifetime = 3
        try await withShortTokens(lifetime: lifetime, latency: 90) { sim, entra in
            let target = try renewalTarget(sim, entra)
            var warnings: [String] = []
            let credentials = try target.credentials(environment: [:], warnings: &warnings)
            var options = RunOptions(runID: RunOptions.makeRunID())
            // The must-fail probes send bad tokens on purpose.
            options.selection = CheckSelection(skip: ["tag:must-fail"])
            let report = await SuiteRunner(target: target, credentials: credentials, options: options, warnings: warnings).run()
            let seconds = report.finishedAt.timeIntervalSince(report.startedAt)
            try #require(seconds > Double(2 * lifetime), "the run lasted \(seconds) s, not longer than two tokens")

            let bad = report.results.filter { ![.passed, .skipped, .expectedFailure].contains($0.outcome) }
            #expect(bad.isEmpty, "\(bad.map { "\($0.displayName): \($0.message)" })")
            #expect(report.summary.passed > 0)
            #expect(report.exitCode == 0)

            // Each renewal: a token request in the evidence, and facts on the check that caused it.
            let tokenRequests = report.evidence.filter { $0.url == sim.tokenEndpointURL }
            #expect(tokenRequests.count >= 2, "the first token and at least one renewal are evidence")
            let renewed = report.results.filter { $0.facts["token_renewals"] != nil }
            #expect(!renewed.isEmpty, "a check shows the renewal it caused")
            for result in renewed {
                #expect(result.facts["token_renewed_at"] != nil)
                // A check that outlasts a token shows each of its renewals, space-separated.
                let lifetimes = (result.facts["token_renewal_expires_in"] ?? "").split(separator: " ").map(String.init)
                #expect(!lifetimes.isEmpty && lifetimes.allSatisfy { $0 == String(lifetime) }, "\(result.displayName): \(lifetimes)")
                #expect(lifetimes.count == result.facts["token_renewed_at"]?.split(separator: " ").count)
                #expect(result.facts["token_renewals"] == String(lifetimes.count))
                #expect(result.evidence.contains { id in tokenRequests.contains { $0.id == id } })
            }
            #expect(sim.requestLog.filter { $0.operation == "oauth2/v2.0/token" }.count >= 2)
            #expect(!sim.requestLog.contains { $0.status == 401 && $0.authScheme == "Bearer" },
                    "no EWS request went out with an expired token")

            // No token value in report.json or the evidence.
            let json = String(decoding: try JSONReportWriter.encode(report), as: UTF8.self)
            let traces = report.evidence.map { "\($0)" }.joined(separator: "\n")
            let tokens = entra.issuedTokens
            try #require(tokens.count >= 2)
            for token in tokens {
                #expect(!json.contains(token) && !traces.contains(token), "an issued access token appears in the report")
                #expect(!json.contains(String(token.split(separator: ".")[2])), "a token signature appears in the report")
            }
            for exchange in tokenRequests {
                #expect(exchange.responseBody.contains(Redaction.marker) || exchange.responseBody.contains("not recorded"),
                        "the token response body is redacted: \(exchange.responseBody)")
            }
        }
    }
}
