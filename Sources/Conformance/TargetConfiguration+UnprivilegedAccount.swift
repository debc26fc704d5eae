import EWSTransport
import Foundation
import Yams

extension TargetConfiguration {
    /// A second account that signs in like the service account but holds no impersonation right
    /// (`negative_controls.unprivileged_account`): impersonating with it must be refused.
    package struct UnprivilegedAccount: Sendable, Hashable {
        /// The sign-in name.
        package var username: String
        /// Where its password comes from (its own variable or file, never the service account's).
        package var secret: SecretSource

        /// Creates the account.
        package init(username: String, secret: SecretSource) {
            self.username = username
            self.secret = secret
        }
    }

    static let unprivilegedAccountKeys = ["username", "password_env", "password_file"]

    /// Reads `negative_controls.unprivileged_account` (nil when absent).
    static func parseUnprivilegedAccount(_ controls: Node.Mapping, resolve: (String) -> String) throws(TargetFileError) -> UnprivilegedAccount? {
        guard let node = controls["unprivileged_account"] else { return nil }
        let path = "negative_controls.unprivileged_account."
        guard let m = node.mapping else {
            throw TargetFileError("negative_controls.unprivileged_account (line \(line(node))) must be a mapping with username and password_env or password_file")
        }
        for key in m.keys {
            let name = key.scalar?.string ?? "?"
            guard unprivilegedAccountKeys.contains(name) else {
                throw TargetFileError("unknown key '\(name)' at line \(line(key)) in negative_controls.unprivileged_account (allowed: \(unprivilegedAccountKeys.joined(separator: ", ")))")
            }
        }
        let username = try string(m, "username", required: true, path: path) ?? ""
        switch (try string(m, "password_env", path: path), try string(m, "password_file", path: path)) {
        case (let e?, nil): return UnprivilegedAccount(username: username, secret: .environment(e))
        case (nil, let f?): return UnprivilegedAccount(username: username, secret: .file(resolve(f)))
        case (nil, nil): throw TargetFileError("negative_controls.unprivileged_account needs password_env or password_file (the password itself never goes in the file)")
        default: throw TargetFileError("negative_controls.unprivileged_account has both password_env and password_file; keep one")
        }
    }

    /// The unprivileged account's credentials in the service account's scheme, or why there are
    /// none (a scheme without a password, a secret that cannot be read).
    func unprivilegedCredentials(environment: [String: String] = ProcessInfo.processInfo.environment) -> Result<HTTPCredentials, TargetFileError> {
        guard let account = unprivilegedAccount else { return .failure(TargetFileError("no negative_controls.unprivileged_account in the target")) }
        var copy = self
        copy.serviceAccount = ServiceAccount(username: account.username, auth: serviceAccount.auth, secret: account.secret)
        let password: String
        do {
            var warnings: [String] = []
            password = try copy.secretValue(environment: environment, warnings: &warnings)
        } catch {
            return .failure(TargetFileError(error.message.replacingOccurrences(of: copy.secretKey, with: "negative_controls.unprivileged_account")))
        }
        switch serviceAccount.auth {
        case .basic: return .success(.basic(user: account.username, password: Secret(password)))
        case .ntlm: return .success(.ntlm(user: account.username, password: Secret(password)))
        case .digest: return .success(.digest(user: account.username, password: Secret(password)))
        case .oauth2, .negotiate:
            return .failure(TargetFileError("the service account signs in with \(serviceAccount.auth.rawValue); an unprivileged account is tested with a password scheme (basic, ntlm, digest)"))
        }
    }
}
