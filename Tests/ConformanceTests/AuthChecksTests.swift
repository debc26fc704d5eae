@testable import Conformance
@testable import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import ProviderManifest
import Reports
import Testing

/// `auth.schemes.offered` and the opt-in `auth.must-fail.*` checks, against every flavor.
@Suite("Auth checks: offered schemes and must-fail cases")
struct AuthChecksTests {
    static func manifest(schemes: [String], refused: [String] = []) -> ProviderManifest {
        ProviderManifest(id: "auth-test", name: "Auth test", version: "1.0.0", vendor: "tests",
                         discovery: .init(methods: [.init(method: "fixed-url", urlTemplate: "https://mail.{domain}/EWS/Exchange.asmx")]),
                         auth: .init(schemes: schemes, refusedSchemes: refused),
                         ews: .init(requestServerVersion: "Exchange2013_SP1"))
    }

    /// A basic/ntlm run against an on-premises or hoster simulator.
    static func run(_ sim: Simulator, auth: TargetConfiguration.AuthScheme, profile: ProviderManifest? = nil,
                    mustFail: Bool = false) async throws -> RunReport {
        var target = TargetConfiguration.simulated(sim, auth: auth)
        target.mustFailAuth = mustFail
        let options = RunOptions(runID: RunOptions.makeRunID(), profile: profile.map { RunProfile(manifest: $0, source: "test") })
        var warnings: [String] = []
        let credentials = try target.credentials(environment: [passwordVariable: sim.serviceAccountPassword], warnings: &warnings)
        return await SuiteRunner(target: target, credentials: credentials, options: options).run()
    }

    // MARK: auth.schemes.offered

    @Test("the on-premises profile's ntlm, negotiate and basic are all offered: passed, with the schemes as facts")
    func onPremSchemesOffered() async throws {
        try await Fixtures.withSimulator { sim in
            let report = try await Self.run(sim, auth: .ntlm, profile: Self.manifest(schemes: ["ntlm", "negotiate", "basic"]))
            let result = try report.result(AuthChecks.schemesOffered)
            #expect(result.outcome == .passed, "\(result.message)")
            #expect(result.facts["offered_schemes"] == "Negotiate, NTLM, Basic")
            #expect(result.facts["expected_schemes"] == "ntlm, negotiate, basic")
            #expect(result.facts["www_authenticate"] == #"Negotiate | NTLM | Basic realm="mail.contoso.com""#)
            let reachable = try report.result(CheckCatalog.endpointReachable)
            #expect(reachable.facts["server"] == "Microsoft-IIS/10.0")
            #expect(reachable.facts["x_feserver"] == "EXCH01")
        }
    }

    @Test("a scheme the profile expects but the server does not offer fails, naming it")
    func missingSchemeFails() async throws {
        try await Fixtures.withSimulator(flavor: .genericHoster) { sim in
            let report = try await Self.run(sim, auth: .basic, profile: Self.manifest(schemes: ["basic", "digest", "oauth2-client-credentials"]))
            let result = try report.result(AuthChecks.schemesOffered)
            #expect(result.outcome == .failed)
            #expect(result.facts["missing_schemes"] == "digest, oauth2-client-credentials")
            #expect(result.message.contains("digest"))
            #expect(result.message.contains("oauth2-client-credentials (Bearer)"))
        }
    }

    @Test("oauth2-client-credentials is matched by a Bearer challenge (Exchange Online)")
    func bearerMatchesOAuth() async throws {
        try await Fixtures.withSimulator(flavor: .exchangeOnline) { sim in
            let entra = try #require(sim.entra)
            var target = try OnlineTargets.secret(sim, entra)
            target.mustFailAuth = false
            let options = RunOptions(runID: RunOptions.makeRunID(),
                                     profile: RunProfile(manifest: Self.manifest(schemes: ["oauth2-client-credentials"], refused: ["basic", "ntlm"]), source: "test"))
            let report = await SuiteRunner(target: target, credentials: .none, options: options).run()
            let result = try report.result(AuthChecks.schemesOffered)
            #expect(result.outcome == .passed, "\(result.message)")
            #expect(result.facts["offered_schemes"] == "Bearer")
        }
    }

    @Test("without a profile auth.schemes.offered is not listed, and neither are the must-fail checks without opting in")
    func conditionalChecksAbsent() async throws {
        try await Fixtures.withSimulator { sim in
            let report = try await Self.run(sim, auth: .ntlm)
            #expect(report.results.allSatisfy { !$0.id.rawValue.hasPrefix("auth.schemes.") && !$0.id.rawValue.hasPrefix("auth.must-fail.") })
            #expect(report.results.map(\.displayName) == expectedResultNames(mailboxes: sim.mailboxesInScope))
        }
    }

    // MARK: auth.must-fail.wrong-password

    @Test("NTLM with a wrong password is answered 401, tried exactly once, and the message says why only once")
    func wrongPasswordNTLM() async throws {
        try await Fixtures.withSimulator { sim in
            let report = try await Self.run(sim, auth: .ntlm, mustFail: true)
            let result = try report.result(AuthChecks.wrongPassword)
            #expect(result.outcome == .passed, "\(result.message)")
            #expect(result.message.contains("lockout"))
            #expect(result.facts["attempts"] == "1")
            // One exchange: the Type 1 leg (challenged) and the Type 3 leg (refused), and no retry.
            #expect(result.evidence.count == 1)
            let exchange = try #require(report.evidence.first { $0.id == result.evidence.first })
            #expect(exchange.legs.map(\.status) == [401, 401])
            #expect(exchange.legs.allSatisfy { $0.requestHeaders.contains { $0.name == "Authorization" && $0.value == "NTLM [redacted]" } })
            #expect(report.summary.failed == 0)
        }
    }

    @Test("Basic with a wrong password is answered 401 (generic hoster)")
    func wrongPasswordBasic() async throws {
        try await Fixtures.withSimulator(flavor: .genericHoster) { sim in
            let report = try await Self.run(sim, auth: .basic, mustFail: true)
            let result = try report.result(AuthChecks.wrongPassword)
            #expect(result.outcome == .passed, "\(result.message)")
            #expect(result.facts["scheme"] == "Basic")
            #expect(sim.requestLog.filter { $0.authScheme == "Basic" && $0.status == 401 }.count == 1)
        }
    }

    @Test("must_fail_auth: true in a target file switches the checks on; a non-boolean is refused with its line")
    func targetFileKey() throws {
        let yaml = """
            ews_url: https://mail.contoso.com/EWS/Exchange.asmx
            service_account: {username: svc@contoso.com, auth: ntlm, password_env: X}
            mailboxes: [a@contoso.com]
            must_fail_auth: true
            """
        #expect(try TargetConfiguration.parse(yaml: yaml, baseDirectory: "/").mustFailAuth)
        #expect(throws: TargetFileError.self) {
            _ = try TargetConfiguration.parse(yaml: yaml.replacingOccurrences(of: "must_fail_auth: true", with: "must_fail_auth: maybe"), baseDirectory: "/")
        }
    }

    // MARK: Digest

    @Test("Digest through libcurl: the whole suite passes with SHA-256 and with MD5; evidence shows the scheme, never the response", arguments: [["SHA-256"], ["MD5"]])
    func digestSuite(algorithms: [String]) async throws {
        try await Fixtures.withSimulator(configure: { $0.digestAlgorithms = algorithms }) { sim in
            let report = try await Self.run(sim, auth: .digest, profile: Self.manifest(schemes: ["digest", "ntlm"]), mustFail: true)
            let failing = report.results.filter { $0.outcome != .passed }
            #expect(failing.isEmpty, "\(failing.map { "\($0.displayName): \($0.message)" })")
            #expect(report.target.authScheme == "Digest")
            #expect(try report.result(AuthChecks.schemesOffered).facts["offered_schemes"] == "Negotiate, NTLM, Digest, Basic")
            #expect(try report.result(AuthChecks.wrongPassword).facts["scheme"] == "Digest")
            let sent = report.evidence.flatMap(\.legs).flatMap(\.requestHeaders).filter { $0.name == "Authorization" }.map(\.value)
            #expect(sent.contains("Digest [redacted]"))
            #expect(sent.allSatisfy { !$0.contains("response=") && !$0.contains("cnonce") })
            #expect(sim.requestLog.contains { $0.authScheme == "Digest" && $0.user == sim.serviceAccount && $0.status == 200 })
            let json = String(decoding: try JSONReportWriter.encode(report), as: UTF8.self)
            #expect(!json.contains(sim.serviceAccountPassword))
        }
    }

    @Test("a scheme the profile rules out but the EWS POST challenge offers fails auth.refused-schemes, naming it (no made-up credentials are sent)")
    func refusedDigestStillOffered() async throws {
        try await Fixtures.withSimulator(configure: { $0.digestAlgorithms = ["SHA-256"] }) { sim in
            let report = try await Self.run(sim, auth: .ntlm, profile: Self.manifest(schemes: ["ntlm"], refused: ["digest"]))
            let result = try report.result(CheckCatalog.refusedSchemes)
            #expect(result.outcome == .failed, "\(result.message)")
            #expect(result.message.contains("digest is offered in the challenge to the EWS POST"))
            // The evidence is the unauthenticated POST, and no Digest credentials were ever sent.
            let cited = report.evidence.filter { result.evidence.contains($0.id) }
            #expect(cited.count == 1 && cited.first?.method == "POST")
            #expect(!sim.requestLog.contains { $0.authScheme == "Digest" })
        }
    }

    @Test("a run that authenticated with a scheme its profile refuses fails auth.refused-schemes, whatever the challenge says")
    func refusedSchemeUsedByTheRun() async throws {
        try await Fixtures.withSimulator { sim in
            var manifest = Self.manifest(schemes: ["basic"], refused: ["ntlm"])
            manifest.auth.schemes = ["basic"]
            let report = try await Self.run(sim, auth: .ntlm, profile: manifest)
            let result = try report.result(CheckCatalog.refusedSchemes)
            #expect(result.outcome == .failed)
            #expect(result.message.contains("this run authenticated with ntlm"), "\(result.message)")
            #expect(report.warnings.contains { $0.contains("which the auth-test profile refuses") }, "\(report.warnings)")
        }
    }

    // MARK: OAuth must-fail checks

    @Test("OAuth: app-only without impersonation gets the 'must be present' fault; a forged expired token gets 401 invalid_token")
    func oauthMustFailForged() async throws {
        try await Fixtures.withSimulator(flavor: .exchangeOnline) { sim in
            var target = try OnlineTargets.secret(sim, try #require(sim.entra))
            target.mustFailAuth = true
            let report = await SuiteRunner(target: target, credentials: .none, options: RunOptions(runID: RunOptions.makeRunID())).run()
            let appOnly = try report.result(AuthChecks.appOnlyWithoutImpersonation)
            #expect(appOnly.outcome == .passed, "\(appOnly.message)")
            #expect(appOnly.facts["response_code"] == "ErrorInvalidExchangeImpersonationHeaderData")
            #expect(appOnly.facts["http_status"] == "500")
            let expired = try report.result(AuthChecks.expiredToken)
            #expect(expired.outcome == .passed, "\(expired.message)")
            #expect(expired.facts["sent"]?.contains("signature no longer matches") == true)
            #expect(expired.facts["www_authenticate"]?.contains(#"error="invalid_token""#) == true)
            // (Exchange Online's HTTP 403 for the out-of-scope mailbox is the form the check expects with an app-only token.)
            let others = report.results(except: [AuthChecks.schemesOffered, AuthChecks.wrongPassword, AuthChecks.appOnlyWithoutImpersonation, AuthChecks.expiredToken, AuthChecks.delegatedWithImpersonation]).filter { $0.outcome != .passed }
            #expect(others.isEmpty, "\(others.map { "\($0.displayName): \($0.message)" })")
        }
    }

    @Test("OAuth: a genuinely signed expired token (minted by the simulator) is refused as expired")
    func oauthMustFailMintedExpired() async throws {
        try await Fixtures.withSimulator(flavor: .exchangeOnline) { sim in
            let entra = try #require(sim.entra)
            var target = try OnlineTargets.secret(sim, entra)
            target.mustFailAuth = true
            var request = AccessTokenRequest(clientID: entra.consentedApplication.clientID)
            request.lifetime = -3600
            var options = RunOptions(runID: RunOptions.makeRunID())
            options.expiredAccessToken = Secret(entra.mintAccessToken(request))
            let report = await SuiteRunner(target: target, credentials: .none, options: options).run()
            let expired = try report.result(AuthChecks.expiredToken)
            #expect(expired.outcome == .passed, "\(expired.message)")
            #expect(expired.facts["x_ms_diagnostics"]?.contains("The token has expired.") == true)
        }
    }

    // MARK: OAuth with a certificate

    @Test("the exchange-online suite passes with a certificate; the report holds the thumbprint, never the key or an assertion")
    func certificateRun() async throws {
        try await Fixtures.withSimulator(flavor: .exchangeOnline) { sim in
            let entra = try #require(sim.entra)
            let issued = try entra.issueCertificate(for: entra.consentedApplication.clientID)
            let target = try OnlineTargets.certificate(sim, entra, issued)
            var warnings: [String] = []
            let credentials = try target.credentials(environment: [:], warnings: &warnings)
            #expect(warnings.isEmpty, "\(warnings)")
            let report = await SuiteRunner(target: target, credentials: credentials, options: RunOptions(runID: RunOptions.makeRunID())).run()
            let token = try report.result(CheckCatalog.oauthToken)
            #expect(token.outcome == .passed, "\(token.message)")
            #expect(token.facts["client_authentication"] == "certificate \(issued.thumbprintHex) (signed client assertion, RS256)")
            // (Exchange Online's HTTP 403 for the out-of-scope mailbox is the form the check expects with an app-only token.)
            let others = report.results.filter { $0.outcome != .passed }
            #expect(others.isEmpty, "\(others.map { "\($0.displayName): \($0.message)" })")
            // Sentinel scan: the key's base64 body, every issued token, no client_assertion value.
            let json = String(decoding: try JSONReportWriter.encode(report), as: UTF8.self)
            let keyBody = issued.privateKeyPEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }
            for line in keyBody where line.count > 16 { #expect(!json.contains(line)) }
            for issuedToken in entra.issuedTokens { #expect(!json.contains(issuedToken)) }
            #expect(!json.contains("client_assertion="))
            #expect(!json.contains("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsIng1dCI6"), "no signed assertion header in the report")
        }
    }

    @Test("a certificate the tenant does not know: auth.oauth.token fails with AADSTS700027 and its thumbprint, the assertion nowhere in the report")
    func unregisteredCertificateRun() async throws {
        try await Fixtures.withSimulator(flavor: .exchangeOnline) { sim in
            let entra = try #require(sim.entra)
            // Registered on another application, so unknown to the consented one.
            let issued = try entra.issueCertificate(for: entra.notAllowListedApplication.clientID)
            let target = try OnlineTargets.certificate(sim, entra, issued)
            var warnings: [String] = []
            let credentials = try target.credentials(environment: [:], warnings: &warnings)
            let report = await SuiteRunner(target: target, credentials: credentials, options: RunOptions(runID: RunOptions.makeRunID())).run()
            let token = try report.result(CheckCatalog.oauthToken)
            #expect(token.outcome == .failed)
            #expect(token.facts["error_codes"] == "AADSTS700027")
            #expect(token.message.contains("Thumbprint of key used by client: '\(issued.thumbprintHex)'"))
            #expect(try report.result(CheckCatalog.serviceAccountAuth).outcome == .skipped)
            let json = String(decoding: try JSONReportWriter.encode(report), as: UTF8.self)
            #expect(!json.contains("client_assertion="))
            #expect(json.contains("[body not recorded: it may hold a secret]"))
        }
    }

    @Test("a key that does not belong to the certificate is refused before the run, naming the files only")
    func mismatchedKey() async throws {
        try await Fixtures.withSimulator(flavor: .exchangeOnline) { sim in
            let entra = try #require(sim.entra)
            let one = try entra.issueCertificate(for: entra.consentedApplication.clientID)
            let two = try entra.issueCertificate(for: entra.consentedApplication.clientID)
            let target = try OnlineTargets.certificate(sim, entra, .init(certificatePEM: one.certificatePEM, privateKeyPEM: two.privateKeyPEM,
                                                                         thumbprintHex: one.thumbprintHex))
            var warnings: [String] = []
            do {
                _ = try target.credentials(environment: [:], warnings: &warnings)
                Issue.record("a mismatched key was accepted")
            } catch let error as TargetFileError {
                #expect(error.message.contains("does not belong to the certificate"))
                #expect(!error.message.contains("PRIVATE KEY"))
            }
        }
    }

    @Test("client_certificate_file needs client_key_file, and excludes a client secret")
    func certificateKeysParse() throws {
        let base = """
            ews_url: https://outlook.office365.com/EWS/Exchange.asmx
            mailboxes: [a@contoso.com]
            service_account:
              auth: oauth2
              tenant_id: contoso.onmicrosoft.com
              client_id: 11111111-2222-3333-4444-555555555555

            """
        let ok = try TargetConfiguration.parse(yaml: base + "  client_certificate_file: app.crt\n  client_key_file: app.key\n", baseDirectory: "/etc/ewscheck")
        #expect(ok.serviceAccount.secret == .certificate(certificateFile: "/etc/ewscheck/app.crt", keyFile: "/etc/ewscheck/app.key"))
        #expect(throws: TargetFileError.self) { _ = try TargetConfiguration.parse(yaml: base + "  client_certificate_file: app.crt\n", baseDirectory: "/") }
        #expect(throws: TargetFileError.self) {
            _ = try TargetConfiguration.parse(yaml: base + "  client_certificate_file: app.crt\n  client_key_file: k\n  client_secret_env: S\n", baseDirectory: "/")
        }
    }
}

/// OAuth targets for an exchange-online simulator, the secret or key in mode-600 files.
enum OnlineTargets {
    static func base(_ sim: Simulator, _ entra: EntraTenant, secret: TargetConfiguration.SecretSource) -> TargetConfiguration {
        let app = entra.consentedApplication
        var account = TargetConfiguration.ServiceAccount(username: app.clientID, auth: .oauth2, secret: secret)
        account.oauth = .init(tenantID: entra.tenantID, clientID: app.clientID, tokenEndpoint: sim.tokenEndpointURL)
        var target = TargetConfiguration(name: "exchange online simulator", ewsURL: sim.outlookURL, serviceAccount: account,
                                         mailboxes: sim.mailboxesInScope, outOfScopeMailbox: sim.mailboxOutOfScope,
                                         nonexistentMailbox: sim.nonexistentMailbox, caFile: sim.caFile, hostPins: sim.exchangeOnlineHostPins)
        target.mailboxEntries = sim.mailboxEntries
        target.distributionList = "support@\(sim.configuration.domain)"
        return target
    }

    static func secret(_ sim: Simulator, _ entra: EntraTenant) throws -> TargetConfiguration {
        let file = try Fixtures.temporaryDirectory("auth-secret") + "/client.secret"
        _ = FileManager.default.createFile(atPath: file, contents: Data((entra.clientSecret(of: entra.consentedApplication.clientID) ?? "").utf8),
                                       attributes: [.posixPermissions: 0o600])
        return base(sim, entra, secret: .file(file))
    }

    static func certificate(_ sim: Simulator, _ entra: EntraTenant, _ issued: IssuedClientCertificate) throws -> TargetConfiguration {
        let dir = try Fixtures.temporaryDirectory("auth-cert")
        _ = FileManager.default.createFile(atPath: dir + "/app.crt", contents: Data(issued.certificatePEM.utf8), attributes: [.posixPermissions: 0o644])
        _ = FileManager.default.createFile(atPath: dir + "/app.key", contents: Data(issued.privateKeyPEM.utf8), attributes: [.posixPermissions: 0o600])
        return base(sim, entra, secret: .certificate(certificateFile: dir + "/app.crt", keyFile: dir + "/app.key"))
    }
}
