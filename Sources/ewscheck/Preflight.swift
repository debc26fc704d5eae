import ArgumentParser
import Conformance
import EWSTransport
import Foundation

/// What is checked before the provider is touched (no DNS lookup, no connection): the reports
/// folder, the run id, the CA and client-certificate files, the mailbox addresses and every value
/// that ends up in a header. A problem is a usage error (exit 64) and nothing is sent; a secret
/// file others can read is a warning.
struct Preflight {
    var target: TargetConfiguration
    var reportsDirectory: String
    /// The run id asked for (nil: one is made, which is safe and new).
    var runID: String?
    var overwrite = false
    /// Headers the profile adds to every request.
    var profileHeaders: [HTTPHeader] = []

    /// Prints the problems and exits 64 when there are any; else returns the warnings and, with
    /// `--overwrite`, removes the reports of the run id being reused.
    func enforce() throws -> [String] {
        let (problems, warnings) = check()
        if !problems.isEmpty {
            for problem in problems { Console.err("ewscheck: \(problem)") }
            Console.err("ewscheck: pre-flight failed; nothing was sent to the provider")
            throw ExitCode(ExitStatus.usage)
        }
        if overwrite, let runID {
            try? FileManager.default.removeItem(atPath: reportsDirectory + "/" + runID)
        }
        return warnings
    }

    /// The problems found (each one line, naming the file, key or flag) and the warnings.
    func check() -> (problems: [String], warnings: [String]) {
        var problems: [String] = []
        var warnings: [String] = []
        problems += reportsFolderProblems()
        if let runID { problems += Self.runIDProblems(runID, reportsDirectory: reportsDirectory, overwrite: overwrite) }
        if let ca = target.caFile, let problem = Self.pemProblem(path: ca, what: "CA file (tls.ca_file / --ca-file)", marker: "CERTIFICATE") {
            problems.append(problem)
        }
        if let cert = target.clientCertificateFile,
           let problem = Self.pemProblem(path: cert, what: "client certificate (tls.client_certificate / --client-cert)", marker: "CERTIFICATE") {
            problems.append(problem)
        }
        if let key = target.clientKeyFile {
            if let problem = Self.pemProblem(path: key, what: "client key (tls.client_key / --client-key)", marker: "PRIVATE KEY") {
                problems.append(problem)
            } else if let warning = Self.readableByOthers(key, what: "client key") {
                warnings.append(warning)
            }
        }
        if let token = target.serviceAccount.oauth?.delegatedTokenFile, let warning = Self.readableByOthers(token, what: "delegated token") {
            warnings.append(warning)
        }
        problems += addressProblems()
        problems += headerProblems()
        return (problems, warnings)
    }

    private func reportsFolderProblems() -> [String] {
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: reportsDirectory, isDirectory: &isDirectory) {
            if !isDirectory.boolValue { return ["the reports folder \(reportsDirectory) is a file, not a folder (--reports-dir)"] }
            if access(reportsDirectory, W_OK | X_OK) != 0 { return ["the reports folder \(reportsDirectory) is not writable (--reports-dir)"] }
            return []
        }
        // It will be made: the nearest folder that exists must be writable.
        var parent = URL(fileURLWithPath: reportsDirectory).standardizedFileURL
        while parent.path != "/" {
            parent = parent.deletingLastPathComponent()
            if fm.fileExists(atPath: parent.path, isDirectory: &isDirectory) {
                if !isDirectory.boolValue { return ["the reports folder \(reportsDirectory) cannot be made: \(parent.path) is a file"] }
                if access(parent.path, W_OK | X_OK) != 0 { return ["the reports folder \(reportsDirectory) cannot be made: \(parent.path) is not writable"] }
                return []
            }
        }
        return []
    }

    /// A run id names a folder under the reports folder: no path, no `latest`, not used before.
    static func runIDProblems(_ id: String, reportsDirectory: String, overwrite: Bool) -> [String] {
        if id.isEmpty { return ["--run-id is empty"] }
        if id.contains("/") || id.contains("\\") { return ["--run-id '\(id)' contains a path separator; give a plain folder name"] }
        if id == "." || id.contains("..") { return ["--run-id '\(id)' contains '..'; give a plain folder name"] }
        if id.hasPrefix(".") { return ["--run-id '\(id)' starts with '.'; give a plain folder name"] }
        if id == "latest" { return ["--run-id latest is reserved: it is the link to the newest run"] }
        if id.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) || id.utf8.count > 200 {
            return ["--run-id must be at most 200 bytes without control characters"]
        }
        let folder = reportsDirectory + "/" + id
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory) {
            if !isDirectory.boolValue { return ["--run-id '\(id)': \(folder) is a file"] }
            if !overwrite { return ["--run-id '\(id)' was already used (\(folder) exists); choose another id or add --overwrite"] }
        }
        return []
    }

    /// nil when `path` is a readable PEM file with at least one `-----BEGIN …<marker>-----` block
    /// whose body is base64 of a DER sequence.
    static func pemProblem(path: String, what: String, marker: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return "the \(what) \(path) does not exist or cannot be read" }
        let text = String(decoding: data, as: UTF8.self)
        var found = 0
        var rest = text[...]
        while let begin = rest.range(of: "-----BEGIN ") {
            guard let headerEnd = rest.range(of: "-----", range: begin.upperBound..<rest.endIndex) else { break }
            let label = rest[begin.upperBound..<headerEnd.lowerBound]
            guard let end = rest.range(of: "-----END \(label)-----", range: headerEnd.upperBound..<rest.endIndex) else {
                return "the \(what) \(path) has a '-----BEGIN \(label)-----' block without its END line"
            }
            let body = rest[headerEnd.upperBound..<end.lowerBound].split(whereSeparator: \.isNewline)
                .filter { !$0.contains(":") }  // RFC 1421 headers of encrypted keys
                .joined().filter { !$0.isWhitespace }
            if label.hasSuffix(marker) {
                guard let der = Data(base64Encoded: String(body)), der.first == 0x30 else {
                    return "the \(what) \(path) has a \(label) block that is not valid base64 DER"
                }
                found += 1
            }
            rest = rest[end.upperBound...]
        }
        if found == 0 { return "the \(what) \(path) holds no PEM \(marker) block (-----BEGIN \(marker)-----); DER or other formats are not read" }
        return nil
    }

    static func readableByOthers(_ path: String, what: String) -> String? {
        guard let attrs = try? FileManager.default.attributesOfItem(atPath: path),
              let mode = attrs[.posixPermissions] as? Int, mode & 0o077 != 0 else { return nil }
        return "\(what) file \(path) is readable by group or others (mode \(String(mode, radix: 8))); chmod 600 it"
    }

    private func addressProblems() -> [String] {
        var problems: [String] = []
        if let address = target.discovery?.address, !AddrSpec.isValid(address) {
            problems.append("discovery.address '\(AddrSpec.printable(address))' is not a valid address (RFC 5322 addr-spec)")
        }
        for mailbox in target.mailboxes where !AddrSpec.isValid(mailbox) {
            problems.append("mailboxes entry '\(AddrSpec.printable(mailbox))' is not a valid address (RFC 5322 addr-spec)")
        }
        for (key, value) in [("negative_controls.out_of_scope_mailbox", target.outOfScopeMailbox),
                             ("negative_controls.nonexistent_mailbox", target.nonexistentMailbox)] {
            guard let value else { continue }
            if !AddrSpec.isValid(value) { problems.append("\(key) '\(AddrSpec.printable(value))' is not a valid address (RFC 5322 addr-spec)") }
            if target.mailboxes.contains(where: { $0.caseInsensitiveCompare(value) == .orderedSame }) {
                problems.append("\(key) \(value) is also in mailboxes: a negative control must be a mailbox the run does not certify")
            }
        }
        if let a = target.outOfScopeMailbox, let b = target.nonexistentMailbox, a.caseInsensitiveCompare(b) == .orderedSame {
            problems.append("negative_controls.out_of_scope_mailbox and nonexistent_mailbox are the same address (\(a))")
        }
        return problems
    }

    /// Values that reach a header: the user name, every mailbox (X-AnchorMailbox), the profile's headers.
    private func headerProblems() -> [String] {
        var problems: [String] = []
        func bad(_ s: String) -> Bool { s.utf8.contains { $0 == 0x0D || $0 == 0x0A || $0 == 0x00 } }
        if bad(target.serviceAccount.username) { problems.append("service_account.username carries CR, LF or NUL") }
        if bad(target.ewsURL) { problems.append("ews_url carries CR, LF or NUL") }
        for header in profileHeaders where bad(header.name) || bad(header.value) {
            problems.append("the profile's header \(AddrSpec.printable(header.name)) carries CR, LF or NUL")
        }
        return problems
    }
}
