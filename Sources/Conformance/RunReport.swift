import EWSProtocol
import EWSTransport
import Foundation

/// Everything a run found, as written to `report.json` (keys in snake_case; schema in
/// `docs/report.schema.json`).
package struct RunReport: Sendable, Codable {
    /// The tool that wrote the report.
    package struct Tool: Sendable, Codable { package var name: String; package var version: String }
    /// The target, without secrets.
    package struct Target: Sendable, Codable {
        package var name: String
        package var ewsURL: String
        package var requestVersion: String
        package var authScheme: String
        package var serviceAccount: String
        package var mailboxes: [String]
        package var outOfScopeMailbox: String?
        package var nonexistentMailbox: String?
        package var hostPins: [String]
        /// The HTTP proxy requests went through (credentials removed); nil: none.
        package var proxy: String?
    }
    /// TLS settings in force; `insecure` is stamped here when verification was off.
    package struct TLS: Sendable, Codable {
        package var verify: Bool
        package var insecure: Bool
        package var caFile: String?
    }
    /// Counts per outcome.
    package struct Summary: Sendable, Codable, Hashable {
        package var total = 0
        package var passed = 0
        package var failed = 0
        package var skipped = 0
        package var errored = 0
        package var expectedFailures = 0
        package var unexpectedPasses = 0
        /// Failures and unexpected passes of checks that are not required (they do not fail the
        /// run); nil in reports written before levels existed.
        package var notRequiredFailures: Int?

        /// Counts `results`.
        package init(results: [CheckResult]) {
            self.init(outcomes: results.lazy.map { ($0.outcome, $0.isRequired) })
        }

        /// Counts the results a run recorded (without reading them back).
        package init(recorded: [RecordedResult]) {
            self.init(outcomes: recorded.lazy.map { ($0.outcome, $0.isRequired) })
        }

        /// Counts outcomes, each with whether its check is required.
        package init<S: Sequence>(outcomes: S) where S.Element == (Outcome, Bool) {
            var notRequired = 0
            for (outcome, required) in outcomes {
                total += 1
                if !required && (outcome == .failed || outcome == .unexpectedPass) { notRequired += 1 }
                switch outcome {
                case .passed: passed += 1
                case .failed: failed += 1
                case .skipped: skipped += 1
                case .errored: errored += 1
                case .expectedFailure: expectedFailures += 1
                case .unexpectedPass: unexpectedPasses += 1
                }
            }
            notRequiredFailures = notRequired
        }
    }
    /// What the cleanup ledger says.
    package struct Cleanup: Sendable, Codable {
        package var created: Int
        package var removed: Int
        package var leftover: [CleanupLedger.Entry]
    }

    /// The check catalogue a run was judged by: two reports with the same version and
    /// fingerprint were judged by the same rules.
    package struct Catalog: Sendable, Codable, Hashable {
        package var version: String
        package var fingerprint: String
        package var checks: Int
    }

    /// Which checks the run had, when the command line narrowed it.
    package struct Selection: Sendable, Codable, Hashable {
        package var only: [String]
        package var skip: [String]
        package var readOnly: Bool
        package var failFast: Bool
        /// Checks left out, with the reason.
        package var deselected: [String: String]
    }

    /// The provider profile in force.
    package struct Profile: Sendable, Codable {
        package var id: String
        package var name: String
        package var version: String
        package var source: String
    }
    /// A dated readiness fact of the profile, relative to the run date.
    package struct Notice: Sendable, Codable, Hashable {
        package var id: String
        package var date: String
        package var kind: String
        package var summary: String
        package var link: String?
        /// Whether the date has come.
        package var inEffect: Bool
        /// Days from the date to the run (negative: still ahead).
        package var daysFromRun: Int
        /// `in effect since 2026-10-01 (56 days ago)`.
        package var status: String
    }

    package var schemaVersion: Int = 1
    package var tool: Tool
    package var runID: String
    package var startedAt: Date
    package var finishedAt: Date
    package var target: Target
    package var profile: Profile?
    package var notices: [Notice] = []
    package var tls: TLS
    package var server: ServerVersionInfo?
    package var summary: Summary
    /// The process exit code this run stands for (see ``ExitStatus``).
    package var exitCode: Int
    package var interrupted: Bool
    package var warnings: [String]
    package var results: [CheckResult]
    package var cleanup: Cleanup
    /// Every HTTP exchange kept under the evidence policy, secrets removed; results point into it by id.
    package var evidence: [HTTPExchange]
    /// Which evidence was kept (`all`, `failures`, `none`) and how other people's data was treated
    /// (`masked`, `kept`); nil in reports written before these choices existed.
    package var evidencePolicy: EvidencePolicyStamp?
    /// The check catalogue the run was judged by (nil in reports written before it was stamped).
    package var catalog: Catalog?
    /// The selection flags in force (nil: every check).
    package var selection: Selection?
    /// Why the run could not test the provider (nothing before an EWS answer worked); nil when it could.
    /// Set, the verdict is "could not test" and the exit code 2, whatever the results say.
    package var couldNotTest: RootCause?
    /// How the provider throttled the run: the width, its lowerings and every wait (nil in reports
    /// written before it was recorded, and when no check ran).
    package var throttling: RunThrottling? = nil
}

/// The evidence choices a report was written with.
package struct EvidencePolicyStamp: Sendable, Codable, Hashable {
    /// `all`, `failures` (failures plus the first exchange of each passing check) or `none`.
    package var evidence: String
    /// `masked` (default) or `kept` (`--evidence-personal-data keep`).
    package var personalData: String
    /// Exchanges dropped by the policy.
    package var exchangesDropped: Int
    /// Values masked as other people's data.
    package var valuesMasked: Int

    /// Creates a stamp.
    package init(evidence: String, personalData: String, exchangesDropped: Int, valuesMasked: Int) {
        self.evidence = evidence
        self.personalData = personalData
        self.exchangesDropped = exchangesDropped
        self.valuesMasked = valuesMasked
    }
}

/// The documented, stable exit codes of `ewscheck`.
package enum ExitStatus {
    /// Every check passed (expected failures and skips included).
    package static let success: Int32 = 0
    /// At least one required check failed (or a known deviation unexpectedly passed).
    package static let checkFailed: Int32 = 1
    /// The run could not complete or a check errored: the harness could not tell.
    package static let incomplete: Int32 = 2
    /// Bad command line or target file.
    package static let usage: Int32 = 64
    /// Interrupted (Ctrl-C); items created were still cleaned up.
    package static let interrupted: Int32 = 130

    /// The exit code for a set of results.
    package static func of(_ summary: RunReport.Summary, interrupted: Bool, couldNotTest: Bool = false) -> Int32 {
        if interrupted { return self.interrupted }
        if couldNotTest { return incomplete }
        if summary.failed + summary.unexpectedPasses - (summary.notRequiredFailures ?? 0) > 0 { return checkFailed }
        if summary.errored > 0 { return incomplete }
        return success
    }
}
