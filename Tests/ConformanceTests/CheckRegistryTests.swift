@testable import Conformance
import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import ProviderManifest
import Testing

/// The registry is the one list of checks: the README, selection, dependencies and the report's
/// catalogue stamp all derive from it.
@Suite("Check registry")
struct CheckRegistryTests {
    @Test("the README's check table is the registry's (regenerate it with `ewscheck run --list-checks --markdown`)")
    func readmeTableMatches() throws {
        let readme = try String(contentsOf: TestPaths.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let begin = try #require(readme.range(of: "<!-- checks:begin -->\n"), "README has no <!-- checks:begin --> marker")
        let end = try #require(readme.range(of: "<!-- checks:end -->", range: begin.upperBound..<readme.endIndex))
        #expect(String(readme[begin.upperBound..<end.lowerBound]) == CheckRegistry.markdownTable())
    }

    @Test("ids are unique and dotted, every dependency names a registered check, and no check depends on itself through others")
    func registryIsWellFormed() {
        let ids = CheckRegistry.definitions.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.rawValue.range(of: "^[a-z0-9-]+(\\.[a-z0-9-]+)+\\z", options: .regularExpression) != nil })
        for d in CheckRegistry.definitions {
            for dep in d.dependsOn { #expect(CheckRegistry.contains(dep), "\(d.id) depends on unknown \(dep)") }
            var seen: Set<CheckID> = []
            var frontier = d.dependsOn
            while let next = frontier.popLast() {
                #expect(next != d.id, "\(d.id) depends on itself")
                if seen.insert(next).inserted { frontier += CheckRegistry.check(next)?.definition.dependsOn ?? [] }
            }
            #expect(!d.requirement.isEmpty && !d.title.isEmpty)
            #expect(d.tags.first == d.area)
        }
    }

    @Test("the must-fail impersonation checks and the request version depend on in-scope impersonation")
    func mustFailDependsOnThePositiveCase() throws {
        for id in [CheckCatalog.outOfScopeDenied, CheckCatalog.nonexistentRejected, CheckCatalog.requestVersionProduct, AuthChecks.appOnlyWithoutImpersonation,
                   CheckCatalog.unprivilegedAccountDenied, CheckCatalog.delegateAccessDenied] {
            #expect(try #require(CheckCatalog.definition(id)).dependsOn.contains(CheckCatalog.impersonationGetFolder), "\(id)")
        }
        #expect(try #require(CheckCatalog.definition(AuthChecks.wrongPassword)).dependsOn.contains(CheckCatalog.serviceAccountAuth))
        // A malformed SID's refusal means something only where a well-formed SID works.
        #expect(try #require(CheckCatalog.definition(CheckCatalog.malformedSIDRejected)).dependsOn.contains(CheckCatalog.connectingSIDSID))
    }

    @Test("--list-checks --json lists every check with its requirement, level and the catalogue version")
    func listingJSON() throws {
        let object = try #require(try JSONSerialization.jsonObject(with: CheckRegistry.listingJSON()) as? [String: Any])
        #expect(object["version"] as? String == CheckRegistry.version)
        #expect(object["fingerprint"] as? String == CheckRegistry.fingerprint)
        let checks = try #require(object["checks"] as? [[String: Any]])
        #expect(checks.count == CheckRegistry.definitions.count)
        #expect(checks.allSatisfy { ($0["requirement"] as? String)?.isEmpty == false && $0["level"] != nil })
        #expect(CheckRegistry.listing().contains("suite.cleanup.complete  [required]"))
    }

    @Test("the catalogue version moves with its rules: a changed requirement, level or dependency needs a new version")
    func versionPinsTheFingerprint() {
        // When this fails after you changed a check: raise CheckRegistry.version and pin the new pair here.
        let pinned: [String: String] = ["2026.12.1": "02c8a0acb3430414", "2026.12.2": "2f4ba0fe22928134", "2026.12.3": "24ff51f6e13aab74", "2026.12.4": "e2413c7f1ec2145d", "2026.12.5": "f06d41c4a8ba9162", "2026.12.6": "4969f33684840e4a", "2026.12.7": "d2d495cc0602dcb9"]
        #expect(pinned[CheckRegistry.version] == CheckRegistry.fingerprint,
                "catalogue \(CheckRegistry.version) now has fingerprint \(CheckRegistry.fingerprint): raise the version")
    }

    @Test("unknown known-deviation ids are named")
    func unknownDeviationIDs() {
        #expect(CheckRegistry.unknownDeviationIDs(in: ["voicemail.message-waiting", "voicemail.mesage-waiting"]) == ["voicemail.mesage-waiting"])
    }

    // MARK: selection

    @Test("--only keeps what the selected checks need first, and the final cleanup")
    func onlyPullsInDependencies() {
        let out = CheckSelection(only: ["voicemail.readback"]).deselected()
        for needed in [CheckCatalog.voicemailReadback, CheckCatalog.voicemailDeliver, CheckCatalog.impersonationGetFolder,
                       CheckCatalog.serviceAccountAuth, CheckCatalog.endpointReachable, CheckCatalog.cleanupComplete] {
            #expect(out[needed] == nil, "\(needed) is needed")
        }
        #expect(out[CheckCatalog.voicemailDelete] != nil)
        #expect(out[CheckCatalog.outOfScopeDenied] != nil)
    }

    @Test("--skip leaves out the check and every check that needs it; tags and globs select")
    func skipTakesDependents() {
        let out = CheckSelection(skip: ["impersonation.primary-smtp.getfolder"]).deselected()
        for gone in [CheckCatalog.voicemailDeliver, CheckCatalog.voicemailReadback, CheckCatalog.outOfScopeDenied, CheckCatalog.requestVersionProduct] {
            #expect(out[gone] != nil, "\(gone) needs the skipped check")
        }
        #expect(out[CheckCatalog.serverVersion] == nil)
        let mustFail = CheckSelection(skip: ["tag:must-fail"]).deselected()
        #expect(mustFail[CheckCatalog.outOfScopeDenied]?.contains("--skip tag:must-fail") == true)
        #expect(mustFail[CheckCatalog.impersonationGetFolder] == nil)
        #expect(CheckSelection(only: ["voicemail.*"]).deselected()[CheckCatalog.voicemailDelete] == nil)
        #expect(CheckSelection(only: ["nonsense.*", "tag:nope", "voicemail"]).unmatchedPatterns() == ["nonsense.*", "tag:nope"])
    }

    @Test("--read-only leaves out every check that writes to a mailbox, and what needs one")
    func readOnly() {
        let out = CheckSelection(readOnly: true).deselected()
        for gone in [CheckCatalog.voicemailDeliver, CheckCatalog.voicemailDelete, CheckCatalog.voicemailReadback, CheckCatalog.voicemailMessageWaiting] {
            #expect(out[gone] != nil)
        }
        #expect(out[CheckCatalog.impersonationGetFolder] == nil && out[CheckCatalog.cleanupComplete] == nil)
    }

    // MARK: runs

    static func runSelected(_ sim: Simulator, _ selection: CheckSelection, mailboxes: [String]? = nil) async throws -> RunReport {
        var target = TargetConfiguration.simulated(sim)
        if let mailboxes { target.mailboxes = mailboxes }
        var warnings: [String] = []
        let credentials = try target.credentials(environment: [passwordVariable: sim.serviceAccountPassword], warnings: &warnings)
        var options = RunOptions(runID: RunOptions.makeRunID())
        options.selection = selection
        return await SuiteRunner(target: target, credentials: credentials, options: options).run()
    }

    @Test("a --read-only run creates nothing, passes, and says what it left out")
    func readOnlyRun() async throws {
        try await LiveSimulator.with { sim in
            let report = try await Self.runSelected(sim, CheckSelection(readOnly: true))
            #expect(report.exitCode == 0, "\(report.results.filter { $0.outcome != .passed }.map(\.message))")
            #expect(!sim.requestLog.contains { $0.operation == "CreateItem" || $0.operation == "DeleteItem" })
            #expect(!report.results.contains { $0.id.area == "voicemail" })
            #expect(report.results.contains { $0.id == CheckCatalog.cleanupComplete && $0.outcome == .passed })
            #expect(report.selection?.readOnly == true)
            #expect(report.selection?.deselected["voicemail.deliver"]?.contains("--read-only") == true)
            #expect(report.catalog?.version == CheckRegistry.version && report.catalog?.fingerprint == CheckRegistry.fingerprint)
        }
    }

    @Test("--fail-fast stops after the first required failure; the cleanup still runs")
    func failFast() async throws {
        try await LiveSimulator.with(quirks: [.noServerVersionInfo]) { sim in
            let report = try await Self.runSelected(sim, CheckSelection(failFast: true), mailboxes: Array(sim.mailboxesInScope.prefix(1)))
            let version = try report.result(CheckCatalog.serverVersion)
            #expect(version.outcome == .failed)
            let after = report.results.filter { $0.id.area == "voicemail" || $0.id == CheckCatalog.impersonationGetFolder }
            #expect(!after.isEmpty && after.allSatisfy { $0.outcome == .skipped && $0.message.contains("--fail-fast stopped the run after ews.server-version failed") },
                    "\(after.map(\.message))")
            #expect(try report.result(CheckCatalog.cleanupComplete).outcome == .passed)
            #expect(!sim.requestLog.contains { $0.operation == "CreateItem" })
        }
    }

    @Test("a recommended check that fails is reported but does not fail the run")
    func recommendedFailureKeepsTheVerdict() {
        let failed = CheckResult(id: AuthChecks.schemesOffered, title: "", requirement: "", mailbox: nil, outcome: .failed, message: "",
                                 durationMilliseconds: 0, evidence: [], facts: [:], level: .recommended)
        let passed = CheckResult(id: CheckCatalog.endpointReachable, title: "", requirement: "", mailbox: nil, outcome: .passed, message: "",
                                 durationMilliseconds: 0, evidence: [], facts: [:], level: .required)
        let summary = RunReport.Summary(results: [failed, passed])
        #expect(summary.failed == 1 && summary.notRequiredFailures == 1)
        #expect(ExitStatus.of(summary, interrupted: false) == ExitStatus.success)
        var required = failed
        required.level = .required
        #expect(ExitStatus.of(RunReport.Summary(results: [required, passed]), interrupted: false) == ExitStatus.checkFailed)
    }
}
