import Conformance
import EWSTestSupport
import Foundation
import Testing

/// What a new user meets first: --version, --help with examples, `ewscheck init`, shell completion.
@Suite struct GettingStartedTests {
    static func ewscheck(_ arguments: [String]) async throws -> ChildProcess {
        let child = try ChildProcess(Fixtures.executable, arguments)
        _ = await child.wait(timeout: .seconds(60))
        return child
    }

    @Test func versionNamesTheVersionAndTheCommit() async throws {
        let git = try ChildProcess("/usr/bin/git", ["-C", Fixtures.repositoryRoot.path, "rev-parse", "--short=12", "HEAD"])
        #expect(await git.wait() == .exited(0))
        let commit = git.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let version = try await Self.ewscheck(["--version"])
        #expect(version.termination == .exited(0))
        #expect(version.stdout.hasPrefix("0.1.0 (commit \(commit)"), "\(version.stdout) names \(commit)")
    }

    @Test(arguments: [["run"], ["demo"], ["simulate"], ["discover"], ["plugins"], ["cleanup"], ["report"], ["init"]])
    func everyCommandsHelpHasExamples(_ command: [String]) async throws {
        let help = try await Self.ewscheck(command + ["--help"])
        #expect(help.termination == .exited(0))
        #expect(help.stdout.contains("Examples:"), "\(command) --help has examples")
        #expect(help.stdout.contains("ewscheck \(command[0])"), "and they use the command itself")
    }

    @Test func initWritesATargetFileTheRunAccepts() async throws {
        let dir = try Fixtures.temporaryDirectory("init")
        let ntlm = try await Self.ewscheck(["init", "--output", dir + "/a.yaml", "--url", "https://mail.hoster.example/EWS/Exchange.asmx",
                                            "--username", "HOSTER\\svc", "--auth", "ntlm", "--mailbox", "a@hoster.example", "--mailbox", "b@hoster.example"])
        #expect(ntlm.termination == .exited(0), "\(ntlm.stderr)")
        let a = try TargetConfiguration.load(path: dir + "/a.yaml")
        #expect(a.ewsURL == "https://mail.hoster.example/EWS/Exchange.asmx")
        #expect(a.mailboxes == ["a@hoster.example", "b@hoster.example"])
        #expect(a.serviceAccount.username == "HOSTER\\svc" && a.serviceAccount.auth == .ntlm)
        let oauth = try await Self.ewscheck(["init", "--output", dir + "/b.yaml", "--email-domain", "contoso.com", "--auth", "oauth2",
                                             "--username", "00000000-0000-0000-0000-000000000001", "--tenant", "contoso.onmicrosoft.com",
                                             "--mailbox", "a@contoso.com", "--profile", "exchange-online"])
        #expect(oauth.termination == .exited(0), "\(oauth.stderr)")
        let b = try TargetConfiguration.load(path: dir + "/b.yaml")
        #expect(b.serviceAccount.auth == .oauth2)
        #expect(b.discovery != nil && b.ewsURLIsPending)
        #expect(oauth.stdout.contains("--profile exchange-online"))
        let text = try String(contentsOfFile: dir + "/b.yaml", encoding: .utf8)
        #expect(text.contains("client_secret_env: EWSCHECK_CLIENT_SECRET") && !text.contains("client_secret:"), "no secret in the file")
    }

    @Test func initWithoutATerminalNamesWhatIsMissingAndNeverOverwrites() async throws {
        let dir = try Fixtures.temporaryDirectory("init-missing")
        let missing = try await Self.ewscheck(["init", "--output", dir + "/t.yaml"])
        #expect(missing.termination == .exited(64))
        #expect(missing.stderr.contains("--url or --email-domain"))
        try Data("keep me".utf8).write(to: URL(fileURLWithPath: dir + "/t.yaml"))
        let again = try await Self.ewscheck(["init", "--output", dir + "/t.yaml", "--url", "https://x.example/EWS/Exchange.asmx",
                                             "--auth", "basic", "--username", "u", "--mailbox", "a@x.example"])
        #expect(again.termination == .exited(64) && again.stderr.contains("--force"))
        #expect(try String(contentsOfFile: dir + "/t.yaml", encoding: .utf8) == "keep me")
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func completionScriptsAreGenerated(_ shell: String) async throws {
        let script = try await Self.ewscheck(["--generate-completion-script", shell])
        #expect(script.termination == .exited(0))
        #expect(script.stdout.contains("ewscheck") && script.stdout.contains("cleanup") && script.stdout.count > 500)
    }
}
