@testable import Conformance
import EWSSimulator
import Foundation
import Testing

/// directory.expand-dl: the configured distribution list expands to its members; an unknown list,
/// a list answered empty and a target without a list each give their own result.
@Suite("Directory: ExpandDL of the configured distribution list")
struct ExpandDLTests {
    /// Runs the suite on one mailbox with `list` configured; returns the report and the check's result.
    static func run(quirks: Set<SimulatorQuirk> = [], list: String??) async throws -> (RunReport, CheckResult) {
        try await LiveSimulator.with(quirks: quirks) { simulator in
            var target = TargetConfiguration.simulated(simulator)
            target.mailboxes = Array(simulator.mailboxesInScope.prefix(1))
            if let list { target.distributionList = list }
            let report = try await runSuite(target, password: simulator.serviceAccountPassword)
            #expect(simulator.tenant.allItems().isEmpty)
            return (report, try report.result(CheckCatalog.directoryExpandDL))
        }
    }

    @Test("the simulator's support list expands to its two agents, each a Mailbox with its address")
    func passes() async throws {
        let (report, r) = try await Self.run(list: .none)
        #expect(r.outcome == .passed, "\(r.message)")
        #expect(r.facts["members"] == "2" && r.facts["member_types"] == "Mailbox: 2", "\(r.facts)")
        #expect(r.facts["distribution_list"] == "support@contoso.com")
        #expect(report.results.allSatisfy { $0.outcome == .passed }, "\(report.results.filter { $0.outcome != .passed }.map(\.message))")
    }

    @Test("a list the directory does not know fails, naming ErrorNameResolutionNoResults and the target key")
    func unknownList() async throws {
        let (report, r) = try await Self.run(list: "no-such-list@contoso.com")
        #expect(r.outcome == .failed)
        #expect(r.message.contains("ExpandDL of no-such-list@contoso.com answered ErrorNameResolutionNoResults"), "\(r.message)")
        #expect(r.message.contains("distribution_list"), "\(r.message)")
        #expect(r.facts["response_code"] == "ErrorNameResolutionNoResults")
        #expect(!r.evidence.isEmpty)
        #expect(report.results(except: [CheckCatalog.directoryExpandDL]).allSatisfy { $0.outcome == .passed })
    }

    @Test("expand-dl-empty: a list answered NoError without members fails directory.expand-dl with its own words")
    func emptyExpansion() async throws {
        let (report, r) = try await Self.run(quirks: [.expandDLEmpty], list: .none)
        #expect(r.outcome == .failed)
        #expect(r.message.contains("ExpandDL of support@contoso.com answered NoError with no members"), "\(r.message)")
        #expect(!r.evidence.isEmpty)
        let others = report.results(except: [CheckCatalog.directoryExpandDL])
        #expect(others.allSatisfy { $0.outcome == .passed }, "\(others.filter { $0.outcome != .passed }.map(\.message))")
        #expect(report.exitCode == 1)
    }

    @Test("without distribution_list in the target the check is skipped, saying why")
    func skippedWithoutAList() async throws {
        let (report, r) = try await Self.run(list: .some(nil))
        #expect(r.outcome == .skipped)
        #expect(r.message.contains("no distribution_list in the target"), "\(r.message)")
        #expect(report.exitCode == 0)
    }

    @Test("distribution_list is read from the target file and refuses what is not an address")
    func targetKey() throws {
        let base = """
            ews_url: https://mail.contoso.com/EWS/Exchange.asmx
            service_account: {username: svc, auth: basic, password_env: PW}
            mailboxes: [alice@contoso.com]
            """
        #expect(try TargetConfiguration.parse(yaml: base, baseDirectory: "/").distributionList == nil)
        #expect(try TargetConfiguration.parse(yaml: base + "\ndistribution_list: Support@Contoso.com", baseDirectory: "/").distributionList == "support@contoso.com")
        for bad in ["support", "a b@contoso.com", "@contoso.com", "support@contoso", "\"\""] {
            #expect(throws: TargetFileError.self) { try TargetConfiguration.parse(yaml: base + "\ndistribution_list: \(bad)", baseDirectory: "/") }
        }
    }
}
