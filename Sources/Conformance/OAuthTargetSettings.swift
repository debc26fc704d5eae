import EWSTransport
import Foundation
import Yams

extension TargetConfiguration {
    /// The OAuth 2.0 client credentials of an `auth: oauth2` service account (an Entra app with
    /// `full_access_as_app`). The client secret is referenced by the account's ``ServiceAccount/secret``.
    package struct OAuth: Sendable, Hashable {
        /// The Entra tenant: its GUID or one of its domain names.
        package var tenantID: String
        /// The application (client) id.
        package var clientID: String
        /// The token endpoint (default: the Microsoft identity platform v2 endpoint of the tenant).
        package var tokenEndpoint: String
        /// The scope asked for (default: `https://outlook.office365.com/.default`).
        package var scope: String
        /// A file holding a DELEGATED access token (a user's, `EWS.AccessAsUser.All`), obtained
        /// out of band, for the must-fail check that such a token with ExchangeImpersonation is
        /// refused. Client credentials cannot produce one.
        package var delegatedTokenFile: String?

        /// Creates settings; nil takes the default endpoint of `tenantID`.
        package init(tenantID: String, clientID: String, tokenEndpoint: String? = nil,
                    scope: String = OAuthClientCredentials.exchangeOnlineScope) {
            self.tenantID = tenantID
            self.clientID = clientID
            self.tokenEndpoint = tokenEndpoint ?? OAuthClientCredentials.microsoftTokenEndpoint(tenant: tenantID)
            self.scope = scope
        }
    }

    /// The `service_account` keys only `auth: oauth2` uses.
    static let oauthAccountKeys = ["tenant_id", "client_id", "client_secret_env", "client_secret_file", "token_endpoint", "scope",
                                   "client_certificate_file", "client_key_file", "delegated_token_file"]

    /// The target file key a secret comes from (`password_env`, `client_secret_file`...).
    var secretKey: String {
        let prefix = serviceAccount.auth == .oauth2 ? "client_secret" : "password"
        switch serviceAccount.secret {
        case .environment: return "service_account.\(prefix)_env"
        case .file: return "service_account.\(prefix)_file"
        case .certificate: return "service_account.client_key_file"
        case .keytab: return "service_account.keytab_file"
        }
    }

    /// The client credentials for the token endpoint, with the secret read from its source.
    /// - Throws: when the target is not `auth: oauth2`, or the secret cannot be read.
    package func clientCredentials(environment: [String: String] = ProcessInfo.processInfo.environment,
                                  warnings: inout [String]) throws(TargetFileError) -> OAuthClientCredentials {
        guard serviceAccount.auth == .oauth2 else {
            throw TargetFileError("service_account.auth is \(serviceAccount.auth.rawValue), not oauth2: there are no client credentials")
        }
        guard let oauth = serviceAccount.oauth else {
            throw TargetFileError("service_account has auth: oauth2 but no tenant_id and client_id")
        }
        if case .certificate = serviceAccount.secret {
            return OAuthClientCredentials(tokenEndpoint: oauth.tokenEndpoint, clientID: oauth.clientID,
                                          certificate: try clientCertificate(warnings: &warnings), scope: oauth.scope)
        }
        let secret = try secretValue(environment: environment, warnings: &warnings)
        return OAuthClientCredentials(tokenEndpoint: oauth.tokenEndpoint, clientID: oauth.clientID,
                                      clientSecret: Secret(secret), scope: oauth.scope)
    }

    /// Refuses a secret written into the target file itself, naming the key to use instead.
    static func rejectInlineSecrets(_ account: Node.Mapping) throws(TargetFileError) {
        for (key, instead) in [("client_secret", "client_secret_env or client_secret_file"), ("password", "password_env or password_file")] {
            if let node = account[key] {
                throw TargetFileError("unknown key '\(key)' at line \(line(node)) in service_account: secrets never go in the target file; use \(instead)")
            }
        }
    }

    /// Refuses the oauth2 keys on a basic or ntlm account.
    static func rejectOAuthKeys(_ account: Node.Mapping, auth: AuthScheme) throws(TargetFileError) {
        for key in oauthAccountKeys {
            if let node = account[key] {
                throw TargetFileError("service_account.\(key) (line \(line(node))) is only used with auth: oauth2, not \(auth.rawValue)")
            }
        }
    }

    /// Reads the `service_account` of an `auth: oauth2` target.
    static func oauthServiceAccount(_ m: Node.Mapping, resolve: (String) -> String) throws(TargetFileError) -> ServiceAccount {
        for key in ["password_env", "password_file"] {
            if let node = m[key] {
                throw TargetFileError("service_account.\(key) (line \(line(node))) is not used with auth: oauth2; use client_secret_env or client_secret_file")
            }
        }
        let tenant = try string(m, "tenant_id", required: true, path: "service_account.") ?? ""
        guard isGUID(tenant) || isDomainName(tenant) else {
            throw TargetFileError("service_account.tenant_id '\(tenant)' (line \(line(m["tenant_id"]))) must be the tenant's GUID or one of its domain names (contoso.onmicrosoft.com)")
        }
        let client = try string(m, "client_id", required: true, path: "service_account.") ?? ""
        guard isGUID(client) else {
            throw TargetFileError("service_account.client_id '\(client)' (line \(line(m["client_id"]))) must be the application (client) id, a GUID")
        }
        let env = try string(m, "client_secret_env", path: "service_account.")
        let file = try string(m, "client_secret_file", path: "service_account.")
        let certificate = try string(m, "client_certificate_file", path: "service_account.")
        let key = try string(m, "client_key_file", path: "service_account.")
        let secret: SecretSource
        switch (env, file, certificate, key) {
        case (let e?, nil, nil, nil): secret = .environment(e)
        case (nil, let f?, nil, nil): secret = .file(resolve(f))
        case (nil, nil, let c?, let k?): secret = .certificate(certificateFile: resolve(c), keyFile: resolve(k))
        case (nil, nil, nil, nil): throw TargetFileError("service_account needs client_secret_env or client_secret_file (the client secret itself never goes in the file), or client_certificate_file with client_key_file")
        case (_?, _?, nil, nil): throw TargetFileError("service_account has both client_secret_env and client_secret_file; keep one")
        case (nil, nil, _?, nil), (nil, nil, nil, _?): throw TargetFileError("service_account needs both client_certificate_file and client_key_file for a certificate")
        default: throw TargetFileError("service_account has more than one of client_secret_env, client_secret_file and a client certificate; keep one")
        }
        let endpoint = try string(m, "token_endpoint", path: "service_account.")
        if let endpoint {
            guard let url = URL(string: endpoint), url.scheme?.lowercased() == "https", url.host != nil else {
                throw TargetFileError("service_account.token_endpoint '\(endpoint)' (line \(line(m["token_endpoint"]))) must be an absolute https URL: the client secret is never sent over plain http")
            }
        }
        let scope = try string(m, "scope", path: "service_account.") ?? OAuthClientCredentials.exchangeOnlineScope
        var account = ServiceAccount(username: try string(m, "username", path: "service_account.") ?? client, auth: .oauth2, secret: secret)
        account.oauth = OAuth(tenantID: tenant, clientID: client.lowercased(), tokenEndpoint: endpoint, scope: scope)
        account.oauth?.delegatedTokenFile = try string(m, "delegated_token_file", path: "service_account.").map(resolve)
        return account
    }

    private static func line(_ node: Node?) -> Int { node.map(line) ?? 0 }

    private static func isGUID(_ s: String) -> Bool { s.count == 36 && UUID(uuidString: s) != nil }

    private static func isDomainName(_ s: String) -> Bool {
        let labels = s.lowercased().split(separator: ".", omittingEmptySubsequences: false)
        return labels.count >= 2 && labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}

extension TargetConfiguration {
    /// The application certificate of an `auth: oauth2` account that uses one; warns when the
    /// key file is readable by group or others. Errors name files, never key material.
    func clientCertificate(warnings: inout [String]) throws(TargetFileError) -> ClientCertificate {
        guard case .certificate(let certificateFile, let keyFile) = serviceAccount.secret else {
            throw TargetFileError("service_account has no client_certificate_file and client_key_file")
        }
        let certificate: ClientCertificate
        do {
            certificate = try ClientCertificate(certificateFile: certificateFile, privateKeyFile: keyFile)
        } catch {
            throw TargetFileError("service_account client certificate: \(error.message)")
        }
        if let attrs = try? FileManager.default.attributesOfItem(atPath: keyFile),
           let mode = attrs[.posixPermissions] as? Int, mode & 0o077 != 0 {
            warnings.append("private key file \(keyFile) is readable by group or others (mode \(String(mode, radix: 8))); chmod 600 it")
        }
        return certificate
    }
}
