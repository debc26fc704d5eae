@testable import Conformance
import EWSProtocol
import Foundation
import Testing

/// Hand-built reports, so every outcome and awkward text can be put in front of the writers.
enum SampleReport {
    static let started = Date(timeIntervalSince1970: 1_795_000_000)

    /// One result; the requirement and title come from the catalog when the id is in it.
    static func result(_ id: CheckID, mailbox: String? = nil, _ outcome: Outcome, message: String? = nil,
                       evidence: [Int] = [], facts: [String: String] = [:]) -> CheckResult {
        let definition = CheckCatalog.definition(id)
        return CheckResult(id: id, title: definition?.title ?? "title of \(id)", requirement: definition?.requirement ?? "requirement of \(id)",
                           mailbox: mailbox, outcome: outcome, message: message ?? "\(outcome.rawValue) message of \(id)",
                           durationMilliseconds: 12, evidence: evidence, facts: facts)
    }

    /// One result for each outcome, in catalog order.
    static let oneOfEach: [CheckResult] = [
        result(CheckCatalog.endpointReachable, .passed, facts: ["http_status": "401"]),
        result(CheckCatalog.serviceAccountAuth, .passed),
        result(CheckCatalog.serverVersion, .expectedFailure),
        result(CheckCatalog.impersonationGetFolder, mailbox: "alice@contoso.com", .passed, evidence: [3]),
        result(CheckCatalog.outOfScopeDenied, .failed),
        result(CheckCatalog.nonexistentRejected, .unexpectedPass),
        result(CheckCatalog.voicemailDeliver, mailbox: "alice@contoso.com", .errored),
        result(CheckCatalog.voicemailReadback, mailbox: "alice@contoso.com", .skipped),
        result(CheckCatalog.voicemailDelete, mailbox: "alice@contoso.com", .skipped),
        result(CheckCatalog.cleanupComplete, .failed),
    ]

    /// A report over `results`, with a consistent summary and exit code.
    static func make(_ results: [CheckResult] = oneOfEach, runID: String = "20261126T170530Z-3f9a",
                     targetName: String = "Contoso hosted", warnings: [String] = ["password file is readable by others"],
                     seconds: Double = 12.3456, started: Date = started, interrupted: Bool = false) -> RunReport {
        let summary = RunReport.Summary(results: results)
        let leftover = CleanupLedger.Entry(mailbox: "alice@contoso.com", itemID: "AAMkADk0Nzc=", changeKey: "CQAAABYA",
                                           subject: "Voice Mail", createdBy: CheckCatalog.voicemailDeliver, removed: false)
        return RunReport(
            tool: .init(name: "ewscheck", version: "0.1.0"), runID: runID,
            startedAt: started, finishedAt: started.addingTimeInterval(seconds),
            target: .init(name: targetName, ewsURL: "https://mail.contoso.com/EWS/Exchange.asmx", requestVersion: "Exchange2013_SP1",
                          authScheme: "NTLM", serviceAccount: "svc@contoso.com", mailboxes: ["alice@contoso.com"],
                          outOfScopeMailbox: "erin@contoso.com", nonexistentMailbox: nil, hostPins: ["mail.contoso.com:443:127.0.0.1"]),
            tls: .init(verify: true, insecure: false, caFile: "/etc/ewscheck/ca.pem"),
            server: ServerVersionInfo(majorVersion: 15, minorVersion: 2, majorBuildNumber: 1544, minorBuildNumber: 4, version: "V2017_07_11"),
            summary: summary, exitCode: Int(ExitStatus.of(summary, interrupted: interrupted)), interrupted: interrupted,
            warnings: warnings, results: results,
            cleanup: .init(created: 2, removed: 1, leftover: [leftover]),
            evidence: [])
    }
}
