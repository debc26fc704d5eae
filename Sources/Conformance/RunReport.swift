import EWSProtocol
import EWSTransport
import Foundation

/// Everything a run found, as written to `report.json` (keys in snake_case; schema in
/// `docs/report.schema.json`).
public struct RunReport: Sendable, Codable {
    /// The tool that wrote the report.
    public struct Tool: Sendable, Codable { public var name: String; public var version: String }
    /// The target, without secrets.
    public struct Target: Sendable, Codable {
        public var name: String
        public var ewsURL: String
        public var requestVersion: String
        public var authScheme: String
        public var serviceAccount: String
        public var mailboxes: [String]
        public var outOfScopeMailbox: String?
        public var nonexistentMailbox: String?
        public var hostPins: [String]
        /// The HTTP proxy requests went through (credentials removed); nil: none.
        public var proxy: String?
    }
    /// TLS settings in force; `insecure` is stamped here when verification was off.
    public struct TLS: Sendable, Codable {
        public var verify: Bool
        public var insecure: Bool
        public var caFile: String?
    }
    /// Counts per outcome.
    public struct Summary: Sendable, Codable, Hashable {
        public var total = 0
        public var passed = 0
        public var failed = 0
        public var skipped = 0
        public var errored = 0
        public var expectedFailures = 0
        public var unexpectedPasses = 0
        /// Failures and unexpected passes of checks that are not required (they do not fail the
        /// run); nil in reports written before levels existed.
        public var notRequiredFailures: Int?

        /// Counts `results`.
        public init(results: [CheckResult]) {
            total = results.count
            notRequiredFailures = results.filter { !$0.isRequired && ($0.outcome == .failed || $0.outcome == .unexpectedPass) }.count
            for r in results {
                switch r.outcome {
                case .passed: passed += 1
                case .failed: failed += 1
                case .skipped: skipped += 1
                case .errored: errored += 1
                case .expectedFailure: expectedFailures += 1
                case .unexpectedPass: unexpectedPasses += 1
                }
            }
        }
    }
    /// What the cleanup ledger says.
    public struct Cleanup: Sendable, Codable {
        public var created: Int
        public var removed: Int
        public var leftover: [CleanupLedger.Entry]
    }

    /// The check catalogue a run was judged by: two reports with the same version and
    /// fingerprint were judged by the same rules.
    public struct Catalog: Sendable, Codable, Hashable {
        public var version: String
        public var fingerprint: String
        public var checks: Int
    }

    /// Which checks the run had, when the command line narrowed it.
    public struct Selection: Sendable, Codable, Hashable {
        public var only: [String]
        public var skip: [String]
        public var readOnly: Bool
        public var failFast: Bool
        /// Checks left out, with the reason.
        public var deselected: [String: String]
    }

    /// The provider profile in force.
    public struct Profile: Sendable, Codable {
        public var id: String
        public var name: String
        public var version: String
        public var source: String
    }
    /// A dated readiness fact of the profile, relative to the run date.
    public struct Notice: Sendable, Codable, Hashable {
        public var id: String
        public var date: String
        public var kind: String
        public var summary: String
        public var link: String?
        /// Whether the date has come.
        public var inEffect: Bool
        /// Days from the date to the run (negative: still ahead).
        public var daysFromRun: Int
        /// `in effect since 2026-10-01 (56 days ago)`.
        public var status: String
    }

    public var schemaVersion: Int = 1
    public var tool: Tool
    public var runID: String
    public var startedAt: Date
    public var finishedAt: Date
    public var target: Target
    public var profile: Profile?
    public var notices: [Notice] = []
    public var tls: TLS
    public var server: ServerVersionInfo?
    public var summary: Summary
    /// The process exit code this run stands for (see ``ExitStatus``).
    public var exitCode: Int
    public var interrupted: Bool
    public var warnings: [String]
    public var results: [CheckResult]
    public var cleanup: Cleanup
    /// Every HTTP exchange kept under the evidence policy, secrets removed; results point into it by id.
    public var evidence: [HTTPExchange]
    /// Which evidence was kept (`all`, `failures`, `none`) and how other people's data was treated
    /// (`masked`, `kept`); nil in reports written before these choices existed.
    public var evidencePolicy: EvidencePolicyStamp?
    /// The check catalogue the run was judged by (nil in reports written before it was stamped).
    public var catalog: Catalog?
    /// The selection flags in force (nil: every check).
    public var selection: Selection?
    /// Why the run could not test the provider (nothing before an EWS answer worked); nil when it could.
    /// Set, the verdict is "could not test" and the exit code 2, whatever the results say.
    public var couldNotTest: RootCause?
}

/// The evidence choices a report was written with.
public struct EvidencePolicyStamp: Sendable, Codable, Hashable {
    /// `all`, `failures` (failures plus the first exchange of each passing check) or `none`.
    public var evidence: String
    /// `masked` (default) or `kept` (`--evidence-personal-data keep`).
    public var personalData: String
    /// Exchanges dropped by the policy.
    public var exchangesDropped: Int
    /// Values masked as other people's data.
    public var valuesMasked: Int

    /// Creates a stamp.
    public init(evidence: String, personalData: String, exchangesDropped: Int, valuesMasked: Int) {
        self.evidence = evidence
        self.personalData = personalData
        self.exchangesDropped = exchangesDropped
        self.valuesMasked = valuesMasked
    }
}

/// The documented, stable exit codes of `ewscheck`.
public enum ExitStatus {
    /// Every check passed (expected failures and skips included).
    public static let success: Int32 = 0
    /// At least one required check failed (or a known deviation unexpectedly passed).
    public static let checkFailed: Int32 = 1
    /// The run could not complete or a check errored: the harness could not tell.
    public static let incomplete: Int32 = 2
    /// Bad command line or target file.
    public static let usage: Int32 = 64
    /// Interrupted (Ctrl-C); items created were still cleaned up.
    public static let interrupted: Int32 = 130

    /// The exit code for a set of results.
    public static func of(_ summary: RunReport.Summary, interrupted: Bool, couldNotTest: Bool = false) -> Int32 {
        if interrupted { return self.interrupted }
        if couldNotTest { return incomplete }
        if summary.failed + summary.unexpectedPasses - (summary.notRequiredFailures ?? 0) > 0 { return checkFailed }
        if summary.errored > 0 { return incomplete }
        return success
    }
}
