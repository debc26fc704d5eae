@testable import Conformance
import EWSProtocol
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// A small valid target, one key per line, so a test can add or swap lines at known numbers.
private let validLines = [
    "ews_url: https://mail.contoso.com/EWS/Exchange.asmx", // 1
    "service_account:",                                   // 2
    "  username: svc@contoso.com",                         // 3
    "  password_env: EWS_PW",                              // 4
    "mailboxes:",                                          // 5
    "  - alice@contoso.com",                               // 6
]

/// The valid target with `line` (1-based) replaced by `replacement` lines (none removes it).
private func replacing(_ line: Int, with replacement: [String]) -> String {
    var lines = validLines
    lines.replaceSubrange((line - 1)..<line, with: replacement)
    return lines.joined(separator: "\n") + "\n"
}

/// The valid target with `extra` lines inserted before `line` (1-based; past the end appends).
private func inserting(_ extra: [String], before line: Int) -> String {
    var lines = validLines
    lines.insert(contentsOf: extra, at: line - 1)
    return lines.joined(separator: "\n") + "\n"
}

private func parseError(_ yaml: String) -> TargetFileError? {
    do {
        _ = try TargetConfiguration.parse(yaml: yaml, baseDirectory: "/base")
        return nil
    } catch {
        return error
    }
}

@Suite("TargetConfiguration: reading a target file")
struct TargetConfigurationParseTests {
    @Test("a full file is read with every value, and relative secret and CA paths resolve against the file's folder")
    func fullFile() throws {
        let dir = try TestPaths.temporaryDirectory("target")
        let yaml = """
            name: Contoso hosted Exchange
            ews_url: https://mail.contoso.com/EWS/Exchange.asmx
            request_version: Exchange2016
            service_account:
              username: svc-ewscheck@contoso.com
              auth: basic
              password_file: secrets/svc.txt
            mailboxes:
              - Alice@Contoso.com
              - bob@contoso.com
            negative_controls:
              out_of_scope_mailbox: Erin@contoso.com
              nonexistent_mailbox: nobody@contoso.com
            tls:
              ca_file: certs/ca.pem
              insecure: false
            host_pins:
              - mail.contoso.com:443:127.0.0.1
              - autodiscover.contoso.com:443:[::1]:8443
            concurrency: 2

            """
        let path = dir + "/target.yaml"
        try Data(yaml.utf8).write(to: URL(fileURLWithPath: path))

        let target = try TargetConfiguration.load(path: path)

        #expect(target.name == "Contoso hosted Exchange")
        #expect(target.ewsURL == "https://mail.contoso.com/EWS/Exchange.asmx")
        #expect(target.requestVersion == .exchange2016)
        #expect(target.serviceAccount.username == "svc-ewscheck@contoso.com")
        #expect(target.serviceAccount.auth == .basic)
        #expect(target.serviceAccount.secret == .file(dir + "/secrets/svc.txt"))
        #expect(target.mailboxes == ["alice@contoso.com", "bob@contoso.com"])
        #expect(target.outOfScopeMailbox == "erin@contoso.com")
        #expect(target.nonexistentMailbox == "nobody@contoso.com")
        #expect(target.caFile == dir + "/certs/ca.pem")
        #expect(target.insecure == false)
        #expect(target.hostPins == [
            HostPin(host: "mail.contoso.com", port: 443, address: "127.0.0.1"),
            HostPin(host: "autodiscover.contoso.com", port: 443, address: "::1", connectPort: 8443),
        ])
        #expect(target.concurrency == 2)
        #expect(target.sourcePath == path)
    }

    @Test("the example target shipped in examples/ loads")
    func shippedExampleLoads() throws {
        let path = TestPaths.repositoryRoot.appendingPathComponent("examples/target.yaml").path
        try #require(FileManager.default.fileExists(atPath: path), "examples/target.yaml is missing at \(path)")
        let target = try TargetConfiguration.load(path: path)
        #expect(target.ewsURL.hasPrefix("https://"))
        #expect(!target.mailboxes.isEmpty)
        #expect(target.insecure == false, "the example must not teach turning TLS verification off")
        #expect(target.hostPins.isEmpty)
    }

    @Test("absolute secret and CA paths are kept as written")
    func absolutePathsKept() throws {
        let yaml = replacing(4, with: ["  password_file: /etc/ewscheck/pw"]) + "tls:\n  ca_file: /etc/ssl/ca.pem\n"
        let target = try TargetConfiguration.parse(yaml: yaml, baseDirectory: "/base")
        #expect(target.serviceAccount.secret == .file("/etc/ewscheck/pw"))
        #expect(target.caFile == "/etc/ssl/ca.pem")
    }

    @Test("a minimal file gets the defaults: NTLM, Exchange2013_SP1, concurrency 4, TLS verified, no pins")
    func defaults() throws {
        let target = try TargetConfiguration.parse(yaml: validLines.joined(separator: "\n"), baseDirectory: "/base")
        #expect(target.serviceAccount.auth == .ntlm)
        #expect(target.requestVersion == .exchange2013SP1)
        #expect(target.requestVersion.rawValue == "Exchange2013_SP1")
        #expect(target.concurrency == 4)
        #expect(target.insecure == false)
        #expect(target.caFile == nil)
        #expect(target.hostPins.isEmpty)
        #expect(target.outOfScopeMailbox == nil)
        #expect(target.nonexistentMailbox == nil)
        #expect(target.serviceAccount.secret == .environment("EWS_PW"))
        #expect(target.name == "mail.contoso.com", "the name defaults to the EWS host")
    }

    @Test("tls.insecure: true is read as a boolean")
    func insecureTrue() throws {
        let target = try TargetConfiguration.parse(yaml: inserting(["tls:", "  insecure: true"], before: 7), baseDirectory: "/base")
        #expect(target.insecure)
    }

    /// One file that must be refused, and what the message must say.
    struct BadFile: Sendable, CustomTestStringConvertible {
        var name: String
        var yaml: String
        var expected: [String]
        var testDescription: String { name }
    }

    static let badFiles: [BadFile] = [
        BadFile(name: "unknown top-level key", yaml: inserting(["colour: blue"], before: 7),
                expected: ["unknown key 'colour'", "line 7", "top level"]),
        BadFile(name: "unknown key under service_account", yaml: inserting(["  pasword_file: pw.txt"], before: 5),
                expected: ["unknown key 'pasword_file'", "line 5", "service_account"]),
        BadFile(name: "unknown key under tls", yaml: inserting(["tls:", "  verify: false"], before: 7),
                expected: ["unknown key 'verify'", "line 8", "in tls"]),
        BadFile(name: "missing ews_url", yaml: replacing(1, with: []),
                expected: ["missing required key 'ews_url'"]),
        BadFile(name: "missing service_account", yaml: [validLines[0], validLines[4], validLines[5]].joined(separator: "\n") + "\n",
                expected: ["missing required key 'service_account'"]),
        BadFile(name: "missing service_account.username", yaml: replacing(3, with: []),
                expected: ["missing required key 'service_account.username'"]),
        BadFile(name: "missing mailboxes", yaml: validLines.prefix(4).joined(separator: "\n") + "\n",
                expected: ["missing required key 'mailboxes'"]),
        BadFile(name: "empty mailboxes list", yaml: validLines.prefix(4).joined(separator: "\n") + "\nmailboxes: []\n",
                expected: ["mailboxes", "line 5", "non-empty list"]),
        BadFile(name: "mailbox entry that is not an address", yaml: inserting(["  - alice"], before: 7),
                expected: ["mailboxes entry at line 7", "not an SMTP address"]),
        BadFile(name: "both password_env and password_file", yaml: inserting(["  password_file: pw.txt"], before: 5),
                expected: ["both password_env and password_file"]),
        BadFile(name: "neither password_env nor password_file", yaml: replacing(4, with: []),
                expected: ["needs password_env or password_file"]),
        BadFile(name: "unknown auth scheme", yaml: inserting(["  auth: kerberos"], before: 5),
                expected: ["service_account.auth is 'kerberos'", "basic, ntlm"]),
        BadFile(name: "bad host pin", yaml: inserting(["host_pins:", "  - mail.contoso.com:https:127.0.0.1"], before: 7),
                expected: ["host_pins entry at line 8", "host:port:address"]),
        BadFile(name: "host_pins not a list", yaml: inserting(["host_pins: mail.contoso.com:443:127.0.0.1"], before: 7),
                expected: ["host_pins (line 7) must be a list"]),
        BadFile(name: "URL with a non-web scheme", yaml: replacing(1, with: ["ews_url: ftp://mail.contoso.com/EWS/Exchange.asmx"]),
                expected: ["ews_url 'ftp://mail.contoso.com/EWS/Exchange.asmx'", "https"]),
        BadFile(name: "URL without a scheme", yaml: replacing(1, with: ["ews_url: mail.contoso.com/EWS/Exchange.asmx"]),
                expected: ["ews_url 'mail.contoso.com/EWS/Exchange.asmx'", "https"]),
        BadFile(name: "unknown request_version", yaml: inserting(["request_version: Exchange2099"], before: 7),
                expected: ["request_version 'Exchange2099'", "ExchangeVersionType"]),
        BadFile(name: "tls.insecure not a boolean", yaml: inserting(["tls:", "  insecure: maybe"], before: 7),
                expected: ["tls.insecure (line 8) must be true or false"]),
        BadFile(name: "concurrency out of range", yaml: inserting(["concurrency: 0"], before: 7),
                expected: ["concurrency (line 7)", "1 to 64"]),
        BadFile(name: "garbage that is not YAML", yaml: "ews_url: [unclosed\nservice_account: {\n",
                expected: ["not valid YAML"]),
        BadFile(name: "a document that is a list, not a mapping", yaml: "- ews_url\n- mailboxes\n",
                expected: ["the document", "must be a mapping"]),
        BadFile(name: "an empty document", yaml: "",
                expected: ["the file is empty"]),
    ]

    @Test("a bad file is refused with a message that says what and where", arguments: badFiles)
    func refused(_ bad: BadFile) throws {
        let error = try #require(parseError(bad.yaml), "the file was accepted:\n\(bad.yaml)")
        for part in bad.expected {
            #expect(error.message.contains(part), "message \"\(error.message)\" does not contain \"\(part)\"")
        }
    }

    @Test("an ews_url over plain http is refused: a target must be https")
    func plainHTTPRefused() {
        let yaml = replacing(1, with: ["ews_url: http://mail.contoso.com/EWS/Exchange.asmx"])
        do {
            let error = parseError(yaml)
            #expect(error != nil, "an http:// EWS URL was accepted")
            #expect(error?.message.contains("https") == true)
        }
    }

    @Test("a password written into the file by mistake is refused as an unknown key and never echoed")
    func passwordInFileNotEchoed() throws {
        let secret = "Hunter2-Do-Not-Print"
        let yaml = inserting(["  password: \(secret)"], before: 5)
        let error = try #require(parseError(yaml))
        #expect(error.message.contains("unknown key 'password'"))
        #expect(!error.message.contains(secret))
        #expect(!String(describing: error).contains(secret))
    }

    @Test("load names the file in its messages")
    func loadNamesFile() throws {
        let dir = try TestPaths.temporaryDirectory("target")
        let path = dir + "/bad.yaml"
        try Data(inserting(["colour: blue"], before: 7).utf8).write(to: URL(fileURLWithPath: path))
        #expect {
            try TargetConfiguration.load(path: path)
        } throws: { error in
            let message = (error as? TargetFileError)?.message ?? ""
            return message.contains(path) && message.contains("unknown key 'colour'") && message.contains("line 7")
        }
    }

    @Test("load refuses a file that is not UTF-8")
    func loadRefusesNonUTF8() throws {
        let dir = try TestPaths.temporaryDirectory("target")
        let path = dir + "/latin1.yaml"
        var bytes = Array(validLines.joined(separator: "\n").utf8)
        bytes += Array("\nname: Caf".utf8) + [0xE9, 0x0A] // "Café" in Latin-1
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect {
            try TargetConfiguration.load(path: path)
        } throws: { error in
            let message = (error as? TargetFileError)?.message ?? ""
            return message.contains(path) && message.contains("not UTF-8")
        }
    }

    @Test("load refuses a file that does not exist")
    func loadRefusesMissingFile() throws {
        let path = try TestPaths.temporaryDirectory("target") + "/nope.yaml"
        #expect {
            try TargetConfiguration.load(path: path)
        } throws: { error in
            let message = (error as? TargetFileError)?.message ?? ""
            return message.contains(path) && message.contains("does not exist")
        }
    }
}
