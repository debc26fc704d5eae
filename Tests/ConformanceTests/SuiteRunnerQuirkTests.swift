@testable import Conformance
import EWSSimulator
import Foundation
import Testing

@Suite("SuiteRunner against broken providers (simulator quirks)")
struct SuiteRunnerQuirkTests {
    @Test("an unenforced impersonation scope fails impersonation.out-of-scope.denied, and nothing else")
    func scopeNotEnforced() async throws {
        try await LiveSimulator.with(quirks: [.impersonationScopeNotEnforced]) { simulator in
            let report = try await runSuite(.simulated(simulator), password: simulator.serviceAccountPassword)
            let denied = try report.result(CheckCatalog.outOfScopeDenied)
            #expect(denied.outcome == .failed)
            #expect(denied.message.contains("scope is not enforced"), "\(denied.message)")
            #expect(denied.message.contains(simulator.mailboxOutOfScope))
            let others = report.results(except: [CheckCatalog.outOfScopeDenied])
            #expect(others.allSatisfy { $0.outcome == .passed }, "\(others.filter { $0.outcome != .passed }.map { "\($0.displayName): \($0.message)" })")
            #expect(report.exitCode == 1)
            #expect(simulator.tenant.allItems().isEmpty)
        }
    }

    @Test("corrupted attachment content fails voicemail.readback in every mailbox; delete and cleanup still work")
    func corruptAttachment() async throws {
        try await LiveSimulator.with(quirks: [.corruptAttachmentContent]) { simulator in
            let report = try await runSuite(.simulated(simulator), password: simulator.serviceAccountPassword)
            let readbacks = report.results(CheckCatalog.voicemailReadback)
            #expect(readbacks.map(\.mailbox) == simulator.mailboxesInScope)
            for r in readbacks {
                #expect(r.outcome == .failed, "\(r.displayName) was \(r.outcome)")
                #expect(r.message.contains("differ"), "\(r.displayName): \(r.message)")
                #expect(r.message.contains("first difference at byte"), "\(r.displayName): \(r.message)")
            }
            let deletes = report.results(CheckCatalog.voicemailDelete)
            #expect(deletes.count == simulator.mailboxesInScope.count)
            #expect(deletes.allSatisfy { $0.outcome == .passed })
            #expect(try report.result(CheckCatalog.cleanupComplete).outcome == .passed)
            #expect(report.cleanup.created == itemsCreated(mailboxes: simulator.mailboxesInScope.count))
            #expect(report.cleanup.removed == report.cleanup.created)
            #expect(report.cleanup.leftover.isEmpty)
            #expect(simulator.tenant.allItems().isEmpty)
            #expect(report.exitCode == 1)
        }
    }

    @Test("an ignored hard delete fails voicemail.delete and suite.cleanup.complete, and the leftovers are the tenant's items")
    func hardDeleteIgnored() async throws {
        try await LiveSimulator.with(quirks: [.hardDeleteIgnored]) { simulator in
            let report = try await runSuite(.simulated(simulator), password: simulator.serviceAccountPassword)
            let deletes = report.results(CheckCatalog.voicemailDelete)
            #expect(deletes.count == simulator.mailboxesInScope.count)
            for r in deletes {
                #expect(r.outcome == .failed, "\(r.displayName) was \(r.outcome)")
                #expect(r.message.contains("still there"), "\(r.displayName): \(r.message)")
            }
            #expect(report.exitCode == 1)

            // The provider really kept every voicemail the suite created.
            // (Items the contact-center checks created in a folder of their own went with the folder.)
            let left = simulator.tenant.allItems()
            #expect(left.filter { $0.itemClass == CheckContext.voicemailClass && $0.folder == "Inbox" }.count >= simulator.mailboxesInScope.count)
            #expect(left.allSatisfy { $0.subject.contains(report.runID) })
            #expect(Set(left.map(\.mailbox)) == Set(simulator.mailboxesInScope))

            // The suite must not trust DeleteItem's NoError: the leftovers are exactly what the tenant kept.
            let cleanup = try report.result(CheckCatalog.cleanupComplete)
            #expect(cleanup.outcome == .failed, "suite.cleanup.complete: \(cleanup.message)")
            for mailbox in simulator.mailboxesInScope {
                #expect(cleanup.message.contains(mailbox), "the leftover list does not name \(mailbox): \(cleanup.message)")
            }
            #expect(report.cleanup.removed + left.count == report.cleanup.created)
            #expect(!report.cleanup.leftover.isEmpty)
            #expect(Set(report.cleanup.leftover.map(\.itemID)) == Set(left.map(\.id)))
        }
    }

    @Test("a response without ServerVersionInfo fails ews.server-version")
    func noServerVersion() async throws {
        try await LiveSimulator.with(quirks: [.noServerVersionInfo]) { simulator in
            let report = try await runSuite(.simulated(simulator), password: simulator.serviceAccountPassword)
            let version = try report.result(CheckCatalog.serverVersion)
            #expect(version.outcome == .failed)
            #expect(version.message.contains("ServerVersionInfo"))
            #expect(report.server == nil)
            // The request-version matrix starts from the version the server claims: without one it is skipped.
            #expect(try report.result(CheckCatalog.requestVersionMatrix).outcome == .skipped)
            let others = report.results(except: [CheckCatalog.serverVersion, CheckCatalog.requestVersionMatrix])
            #expect(others.allSatisfy { $0.outcome == .passed }, "\(others.filter { $0.outcome != .passed }.map(\.displayName))")
            #expect(report.exitCode == 1)
        }
    }
}

@Suite("SuiteRunner with known deviations")
struct SuiteRunnerDeviationTests {
    static let deviations: [CheckID: String] = [CheckCatalog.serverVersion: "hoster strips SOAP headers"]

    @Test("a listed deviation that passes is an unexpected pass and fails the run")
    func staleDeviation() async throws {
        try await LiveSimulator.with { simulator in
            let report = try await runSuite(.simulated(simulator), password: simulator.serviceAccountPassword, deviations: Self.deviations)
            let version = try report.result(CheckCatalog.serverVersion)
            #expect(version.outcome == .unexpectedPass)
            #expect(version.message.contains("hoster strips SOAP headers"))
            #expect(report.summary.unexpectedPasses == 1)
            #expect(report.exitCode == 1)
            #expect(report.results(except: [CheckCatalog.serverVersion]).allSatisfy { $0.outcome == .passed })
        }
    }

    @Test("a listed deviation that fails is an expected failure and the run succeeds")
    func expectedFailure() async throws {
        try await LiveSimulator.with(quirks: [.noServerVersionInfo]) { simulator in
            let report = try await runSuite(.simulated(simulator), password: simulator.serviceAccountPassword, deviations: Self.deviations)
            let version = try report.result(CheckCatalog.serverVersion)
            #expect(version.outcome == .expectedFailure)
            #expect(version.message.contains("known deviation: hoster strips SOAP headers"))
            #expect(report.summary.expectedFailures == 1)
            #expect(report.summary.failed == 0)
            #expect(report.exitCode == 0)
        }
    }
}
