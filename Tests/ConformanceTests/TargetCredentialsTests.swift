@testable import Conformance
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

private let password = "S3cret-Pa55w0rd!"

private func target(_ secret: TargetConfiguration.SecretSource, auth: TargetConfiguration.AuthScheme = .ntlm) -> TargetConfiguration {
    TargetConfiguration(name: "t", ewsURL: "https://mail.contoso.com/EWS/Exchange.asmx",
                        serviceAccount: .init(username: "svc@contoso.com", auth: auth, secret: secret),
                        mailboxes: ["alice@contoso.com"], outOfScopeMailbox: nil, nonexistentMailbox: nil)
}

/// Writes `contents` to a new file with `mode` and returns its path.
private func secretFile(_ contents: String, mode: Int = 0o600) throws -> String {
    let path = try TestPaths.temporaryDirectory("secret") + "/password"
    try Data(contents.utf8).write(to: URL(fileURLWithPath: path))
    try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
    return path
}

private func passwordValue(_ credentials: HTTPCredentials) -> String? {
    switch credentials {
    case .basic(_, let secret), .ntlm(_, let secret), .digest(_, let secret): return secret.withUnsafeValue { $0 }
    case .bearer(let secret): return secret.withUnsafeValue { $0 }
    case .none, .negotiate: return nil
    }
}

private func credentialsError(_ t: TargetConfiguration, environment: [String: String] = [:]) -> TargetFileError? {
    var warnings: [String] = []
    do {
        _ = try t.credentials(environment: environment, warnings: &warnings)
        return nil
    } catch {
        return error
    }
}

@Suite("TargetConfiguration: reading the service account's secret")
struct TargetCredentialsTests {
    @Test("ntlm makes NTLM credentials from the environment variable")
    func ntlmFromEnvironment() throws {
        var warnings: [String] = []
        let credentials = try target(.environment("EWS_PW"), auth: .ntlm)
            .credentials(environment: ["EWS_PW": password], warnings: &warnings)
        guard case .ntlm(let user, let secret) = credentials else {
            Issue.record("expected NTLM credentials, got scheme \(credentials.schemeName ?? "none")")
            return
        }
        #expect(user == "svc@contoso.com")
        #expect(secret.withUnsafeValue { $0 } == password)
        #expect(warnings.isEmpty)
    }

    @Test("basic makes Basic credentials")
    func basicFromEnvironment() throws {
        var warnings: [String] = []
        let credentials = try target(.environment("EWS_PW"), auth: .basic)
            .credentials(environment: ["EWS_PW": password], warnings: &warnings)
        guard case .basic(let user, let secret) = credentials else {
            Issue.record("expected Basic credentials, got scheme \(credentials.schemeName ?? "none")")
            return
        }
        #expect(user == "svc@contoso.com")
        #expect(secret.withUnsafeValue { $0 } == password)
    }

    @Test("a missing or empty environment variable is an error naming the variable")
    func environmentMissing() throws {
        for environment in [[:], ["EWS_PW": ""], ["OTHER": password]] {
            let error = try #require(credentialsError(target(.environment("EWS_PW")), environment: environment))
            #expect(error.message.contains("EWS_PW"))
            #expect(error.message.contains("not set or empty"))
            #expect(!error.message.contains(password))
        }
    }

    @Test("a missing password file is an error naming the file")
    func fileMissing() throws {
        let path = try TestPaths.temporaryDirectory("secret") + "/absent"
        let error = try #require(credentialsError(target(.file(path))))
        #expect(error.message.contains(path))
        #expect(error.message.contains("does not exist"))
    }

    @Test("an empty password file, or one holding only a newline, is an error", arguments: ["", "\n", "\r\n"])
    func fileEmpty(_ contents: String) throws {
        let path = try secretFile(contents)
        let error = try #require(credentialsError(target(.file(path))))
        #expect(error.message.contains(path))
        #expect(error.message.contains("empty"))
    }

    @Test("one trailing LF is stripped from the password file, and a file without one is read as is", arguments: ["\n", ""])
    func trailingNewlineStripped(_ ending: String) throws {
        var warnings: [String] = []
        let credentials = try target(.file(try secretFile(password + ending))).credentials(environment: [:], warnings: &warnings)
        #expect(passwordValue(credentials) == password)
        #expect(warnings.isEmpty, "a 0600 file must not warn: \(warnings)")
    }

    @Test("a trailing CRLF (a file saved on Windows) is stripped, and the password's last character kept")
    func trailingCRLFStripped() throws {
        var warnings: [String] = []
        let credentials = try target(.file(try secretFile(password + "\r\n"))).credentials(environment: [:], warnings: &warnings)
        #expect(passwordValue(credentials) == password, "the password lost its last character with the CRLF")
        #expect(passwordValue(credentials)?.contains("\r") == false)
        #expect(passwordValue(credentials)?.contains("\n") == false)
    }

    @Test("a password file readable by group or others gives a warning naming the file", arguments: [0o644, 0o640, 0o604])
    func worldReadableWarns(_ mode: Int) throws {
        let path = try secretFile(password + "\n", mode: mode)
        var warnings: [String] = []
        let credentials = try target(.file(path)).credentials(environment: [:], warnings: &warnings)
        #expect(passwordValue(credentials) == password, "the warning must not stop the run")
        #expect(warnings.count == 1)
        #expect(warnings.first?.contains(path) == true)
        #expect(warnings.allSatisfy { !$0.contains(password) })
    }

    @Test("the password never appears when credentials are printed, reflected or dumped", arguments: [TargetConfiguration.AuthScheme.basic, .ntlm])
    func credentialsNeverPrintPassword(_ auth: TargetConfiguration.AuthScheme) throws {
        var warnings: [String] = []
        let credentials = try target(.environment("EWS_PW"), auth: auth).credentials(environment: ["EWS_PW": password], warnings: &warnings)
        var dumped = ""
        dump(credentials, to: &dumped)
        for text in [String(describing: credentials), String(reflecting: credentials), "\(credentials)", dumped] {
            #expect(!text.contains(password), "printed form leaks the password: \(text)")
            #expect(text.contains("svc@contoso.com"), "the printed form should still show the user: \(text)")
        }
    }

    @Test("the password never appears in a credentials error")
    func errorsNeverContainPassword() throws {
        // A non-UTF-8 file that contains the password bytes around an invalid byte.
        let path = try TestPaths.temporaryDirectory("secret") + "/password"
        try Data(Array(password.utf8) + [0xFF] + Array(password.utf8)).write(to: URL(fileURLWithPath: path))
        let error = try #require(credentialsError(target(.file(path))))
        #expect(error.message.contains("not UTF-8"))
        #expect(!error.message.contains(password))
        #expect(!String(describing: error).contains(password))
    }
}
