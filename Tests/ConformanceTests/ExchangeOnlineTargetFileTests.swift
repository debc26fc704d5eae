@testable import Conformance
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

private let tenant = "7c1d2f4e-9a3b-4c5d-8e6f-0a1b2c3d4e5f"
private let client = "0e5f6a7b-8c9d-4e0f-a1b2-c3d4e5f6a7b8"

/// An oauth2 target whose `service_account` holds `account` (indented two spaces by the caller).
private func target(_ account: [String]) -> String {
    (["ews_url: https://outlook.office365.com/EWS/Exchange.asmx", "service_account:"] + account
        + ["mailboxes:", "  - alice@contoso.com"]).joined(separator: "\n") + "\n"
}

private let minimal = ["  auth: oauth2", "  tenant_id: \(tenant)", "  client_id: \(client)", "  client_secret_env: EWS_CLIENT_SECRET"]

private func parseError(_ yaml: String) -> String? {
    do {
        _ = try TargetConfiguration.parse(yaml: yaml, baseDirectory: "/base")
        return nil
    } catch {
        return error.message
    }
}

@Suite("TargetConfiguration: auth oauth2 (Exchange Online client credentials)")
struct ExchangeOnlineTargetFileTests {
    @Test("a minimal oauth2 account takes the Microsoft token endpoint and the EWS scope by default")
    func defaults() throws {
        let t = try TargetConfiguration.parse(yaml: target(minimal), baseDirectory: "/base")
        #expect(t.serviceAccount.auth == .oauth2)
        #expect(t.serviceAccount.secret == .environment("EWS_CLIENT_SECRET"))
        #expect(t.serviceAccount.username == client, "reports name the app when no username is given")
        let oauth = try #require(t.serviceAccount.oauth)
        #expect(oauth.tenantID == tenant)
        #expect(oauth.clientID == client)
        #expect(oauth.tokenEndpoint == "https://login.microsoftonline.com/\(tenant)/oauth2/v2.0/token")
        #expect(oauth.scope == "https://outlook.office365.com/.default")
    }

    @Test("token_endpoint, scope, username and a relative client_secret_file are read")
    func everyKey() throws {
        let yaml = target(["  auth: OAuth2", "  username: Contact center connector", "  tenant_id: contoso.onmicrosoft.com",
                           "  client_id: \(client.uppercased())", "  client_secret_file: secrets/app.secret",
                           "  token_endpoint: https://login.microsoftonline.com:8443/contoso.onmicrosoft.com/oauth2/v2.0/token",
                           "  scope: https://outlook.office.com/.default"])
        let t = try TargetConfiguration.parse(yaml: yaml, baseDirectory: "/base")
        let oauth = try #require(t.serviceAccount.oauth)
        #expect(t.serviceAccount.username == "Contact center connector")
        #expect(t.serviceAccount.secret == .file("/base/secrets/app.secret"))
        #expect(oauth.tenantID == "contoso.onmicrosoft.com")
        #expect(oauth.clientID == client)
        #expect(oauth.tokenEndpoint == "https://login.microsoftonline.com:8443/contoso.onmicrosoft.com/oauth2/v2.0/token")
        #expect(oauth.scope == "https://outlook.office.com/.default")
    }

    @Test("mistakes name the key", arguments: [
        (["  auth: oauth2", "  client_id: \(client)", "  client_secret_env: X"], "missing required key 'service_account.tenant_id'"),
        (["  auth: oauth2", "  tenant_id: \(tenant)", "  client_secret_env: X"], "missing required key 'service_account.client_id'"),
        (["  auth: oauth2", "  tenant_id: not a tenant", "  client_id: \(client)", "  client_secret_env: X"], "service_account.tenant_id 'not a tenant' (line 4) must be the tenant's GUID or one of its domain names"),
        (["  auth: oauth2", "  tenant_id: \(tenant)", "  client_id: my-app", "  client_secret_env: X"], "service_account.client_id 'my-app' (line 5) must be the application (client) id, a GUID"),
        (["  auth: oauth2", "  tenant_id: \(tenant)", "  client_id: \(client)"], "service_account needs client_secret_env or client_secret_file (the client secret itself never goes in the file)"),
        (minimal + ["  client_secret_file: s.txt"], "service_account has both client_secret_env and client_secret_file; keep one"),
        (minimal + ["  client_secret: hunter2"], "unknown key 'client_secret' at line 7 in service_account: secrets never go in the target file; use client_secret_env or client_secret_file"),
        (minimal + ["  password_env: PW"], "service_account.password_env (line 7) is not used with auth: oauth2; use client_secret_env or client_secret_file"),
        (minimal + ["  token_endpoint: http://login.microsoftonline.com/x/oauth2/v2.0/token"], "service_account.token_endpoint 'http://login.microsoftonline.com/x/oauth2/v2.0/token' (line 7) must be an absolute https URL"),
        (minimal + ["  scope: \"\""], "service_account.scope (line 7) must be a non-empty string"),
        (["  auth: ntlm", "  username: svc@contoso.com", "  password_env: PW", "  tenant_id: \(tenant)"], "service_account.tenant_id (line 6) is only used with auth: oauth2, not ntlm"),
        (["  auth: kerberos", "  username: svc@contoso.com", "  password_env: PW"], "service_account.auth is 'kerberos'; expected one of: basic, ntlm, oauth2, digest"),
    ])
    func mistakesNameTheKey(_ c: ([String], String)) {
        let message = parseError(target(c.0))
        #expect(message?.hasPrefix(c.1) == true, "got: \(message ?? "no error")")
    }

    @Test("client credentials read the secret from the environment or a file, and errors name client_secret_*")
    func clientCredentials() throws {
        let t = try TargetConfiguration.parse(yaml: target(minimal), baseDirectory: "/base")
        var warnings: [String] = []
        let c = try t.clientCredentials(environment: ["EWS_CLIENT_SECRET": "s3cret~value"], warnings: &warnings)
        #expect(c.clientID == client)
        #expect(c.clientSecret.withUnsafeValue { $0 } == "s3cret~value")
        #expect(c.tokenEndpoint == "https://login.microsoftonline.com/\(tenant)/oauth2/v2.0/token")
        do {
            _ = try t.clientCredentials(environment: [:], warnings: &warnings)
            Issue.record("an unset variable gave a secret")
        } catch {
            #expect(error.message == "service_account.client_secret_env names EWS_CLIENT_SECRET, which is not set or empty")
        }
        // credentials() checks the secret the same way, and leaves the token to the runner.
        #expect(try t.credentials(environment: ["EWS_CLIENT_SECRET": "x"], warnings: &warnings) == .none)

        let dir = try TestPaths.temporaryDirectory("oauth-secret")
        try Data("file-secret\n".utf8).write(to: URL(fileURLWithPath: dir + "/app.secret"))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: dir + "/app.secret")
        let fileTarget = try TargetConfiguration.parse(
            yaml: target(["  auth: oauth2", "  tenant_id: \(tenant)", "  client_id: \(client)", "  client_secret_file: app.secret"]),
            baseDirectory: dir)
        let fromFile = try fileTarget.clientCredentials(environment: [:], warnings: &warnings)
        #expect(fromFile.clientSecret.withUnsafeValue { $0 } == "file-secret")
        #expect(warnings == ["client secret file \(dir)/app.secret is readable by group or others (mode 644); chmod 600 it"])
    }

    @Test("a basic or ntlm target has no client credentials")
    func noClientCredentialsForPasswords() throws {
        let t = try TargetConfiguration.parse(yaml: """
            ews_url: https://mail.contoso.com/EWS/Exchange.asmx
            service_account:
              username: svc@contoso.com
              password_env: PW
            mailboxes:
              - alice@contoso.com
            """, baseDirectory: "/base")
        var warnings: [String] = []
        #expect(throws: TargetFileError.self) { try t.clientCredentials(environment: ["PW": "x"], warnings: &warnings) }
        #expect(t.serviceAccount.oauth == nil)
    }
}
