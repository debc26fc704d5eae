@testable import Conformance
import EWSProtocol
@testable import EWSSimulator
import EWSTestSupport
import Foundation
import Testing

/// The presence checks: free/busy of an appointment the suite creates, out-of-office settings,
/// working hours. They pass on Exchange's flavors, and each fails with its own words on a
/// simulator that deviates the way a provider can.
@Suite("Presence checks (free/busy, out of office, working hours)")
struct PresenceTests {
    static let family = [CheckCatalog.presenceFreeBusy, CheckCatalog.presenceOofSettings, CheckCatalog.presenceWorkingHours]

    /// Every presence result passed, once per mailbox, with the facts that say what was seen.
    static func expectPassed(_ report: RunReport, mailboxes: [String], sourceLocation: SourceLocation = #_sourceLocation) {
        for id in family {
            let results = report.results(id)
            #expect(Set(results.compactMap(\.mailbox)) == Set(mailboxes), "\(id) ran for \(results.compactMap(\.mailbox))", sourceLocation: sourceLocation)
            for r in results {
                #expect(r.outcome == .passed, "\(r.displayName) was \(r.outcome): \(r.message)", sourceLocation: sourceLocation)
                #expect(!r.evidence.isEmpty, "\(r.displayName) cites no evidence", sourceLocation: sourceLocation)
            }
        }
        for r in report.results(CheckCatalog.presenceFreeBusy) {
            #expect(r.facts["busy_type"] == "Busy", sourceLocation: sourceLocation)
            #expect(r.facts["created_start"] != nil && r.facts["event_start"] != nil, sourceLocation: sourceLocation)
        }
        for r in report.results(CheckCatalog.presenceOofSettings) {
            #expect(["Enabled", "Disabled", "Scheduled"].contains(r.facts["oof_state"] ?? ""), "\(r.facts)", sourceLocation: sourceLocation)
        }
        for r in report.results(CheckCatalog.presenceWorkingHours) {
            #expect(r.facts["time_zone_bias_minutes"] != nil && r.facts["working_periods"]?.isEmpty == false, "\(r.facts)", sourceLocation: sourceLocation)
        }
    }

    @Test("on the default flavor every presence check passes, and the appointment is gone after the run")
    func defaultFlavorPasses() async throws {
        try await LiveSimulator.with { simulator in
            let report = try await runSuite(.simulated(simulator), password: simulator.serviceAccountPassword)
            Self.expectPassed(report, mailboxes: simulator.mailboxesInScope)
            #expect(try report.result(CheckCatalog.cleanupComplete).outcome == .passed)
            #expect(simulator.tenant.allItems().isEmpty, "left in the tenant: \(simulator.tenant.allItems())")
        }
    }

    @Test("on the exchange-online flavor (OAuth, impersonation by app) every presence check passes")
    func exchangeOnlinePasses() async throws {
        var config = SimulatorConfiguration()
        config.flavor = .exchangeOnline
        config.schemaDirectory = try TestPaths.ewsSchemaDirectory()
        let state = try TestPaths.temporaryDirectory("exo-presence")
        config.stateDirectory = state
        let simulator = try await Simulator.start(config)
        defer { try? FileManager.default.removeItem(atPath: state) }
        do {
            let entra = try #require(simulator.entra)
            let app = entra.consentedApplication
            let file = try TestPaths.temporaryDirectory("exo-presence-secret") + "/client.secret"
            FileManager.default.createFile(atPath: file, contents: Data((entra.clientSecret(of: app.clientID) ?? "").utf8),
                                           attributes: [.posixPermissions: 0o600])
            var account = TargetConfiguration.ServiceAccount(username: app.clientID, auth: .oauth2, secret: .file(file))
            account.oauth = .init(tenantID: entra.tenantID, clientID: app.clientID, tokenEndpoint: simulator.tokenEndpointURL)
            let target = TargetConfiguration(name: "exchange online simulator", ewsURL: simulator.outlookURL, serviceAccount: account,
                                             mailboxes: simulator.mailboxesInScope, outOfScopeMailbox: simulator.mailboxOutOfScope,
                                             nonexistentMailbox: simulator.nonexistentMailbox, caFile: simulator.caFile,
                                             hostPins: simulator.exchangeOnlineHostPins)
            var warnings: [String] = []
            let credentials = try target.credentials(environment: [:], warnings: &warnings)
            let report = await SuiteRunner(target: target, credentials: credentials,
                                           options: RunOptions(runID: RunOptions.makeRunID()), warnings: warnings).run()
            Self.expectPassed(report, mailboxes: simulator.mailboxesInScope)
            #expect(try report.result(CheckCatalog.cleanupComplete).outcome == .passed)
            #expect(simulator.tenant.allItems().isEmpty, "left in the tenant: \(simulator.tenant.allItems())")
            await simulator.shutdown()
        } catch {
            await simulator.shutdown()
            throw error
        }
    }

    @Test("a free/busy answer without the created appointment fails presence.free-busy, naming the appointment's times")
    func freeBusyOmitsCreatedEvent() async throws {
        try await ContactCenterQuirkTests.expect(.freeBusyOmitsCreatedEvent,
                                                 failing: [CheckCatalog.presenceFreeBusy: "shows no CalendarEvent for the Busy calendar item the suite created at "])
    }

    @Test("a free/busy answer showing the Busy appointment as Tentative fails presence.free-busy, naming the status")
    func freeBusyBusyAsTentative() async throws {
        try await ContactCenterQuirkTests.expect(.freeBusyBusyAsTentative,
                                                 failing: [CheckCatalog.presenceFreeBusy: "as BusyType Tentative, not Busy"])
    }

    @Test("free/busy times written with the wrong offset fail presence.free-busy: the instants differ, though the wall clock agrees")
    func freeBusyTimesMislabelled() async throws {
        try await ContactCenterQuirkTests.expect(.freeBusyTimesMislabelled,
                                                 failing: [CheckCatalog.presenceFreeBusy: "+01:00): its times differ"])
    }

    @Test("GetUserOofSettings refused fails presence.oof-settings with the provider's code")
    func oofSettingsRefused() async throws {
        try await ContactCenterQuirkTests.expect(.oofSettingsRefused,
                                                 failing: [CheckCatalog.presenceOofSettings: "answered Error ErrorAccessDenied"])
    }

    @Test("an availability answer without WorkingHours fails presence.working-hours")
    func workingHoursMissing() async throws {
        try await ContactCenterQuirkTests.expect(.workingHoursMissing,
                                                 failing: [CheckCatalog.presenceWorkingHours: "gives no WorkingHours"])
    }

    @Test("--read-only leaves out the free/busy check (it creates an appointment) but keeps the read-only presence checks")
    func readOnlySelection() {
        let out = CheckSelection(readOnly: true).deselected()
        #expect(out[CheckCatalog.presenceFreeBusy]?.contains("--read-only") == true)
        #expect(out[CheckCatalog.presenceOofSettings] == nil && out[CheckCatalog.presenceWorkingHours] == nil)
    }

    @Test("availability times are compared as instants, whatever zone form the answer writes")
    func availabilityTimesAreInstants() throws {
        let instant = try #require(AvailabilityTime.instant("2026-12-05T13:06:00Z"))
        #expect(AvailabilityTime.instant("2026-12-05T13:06:00") == instant, "a zone-less time is in the request's zone (UTC)")
        #expect(AvailabilityTime.instant("2026-12-05T06:06:00-07:00") == instant, "Exchange 2007 wrote the request zone's offset")
        #expect(AvailabilityTime.instant("2026-12-05T14:06:00+01:00") == instant)
        #expect(AvailabilityTime.instant("2026-12-05T14:06:00", zoneOffsetSeconds: 3600) == instant)
        #expect(AvailabilityTime.instant("2026-12-05T13:06:00.000Z") == instant)
        #expect(AvailabilityTime.wallClock(instant) == "2026-12-05T13:06:00")
        #expect(AvailabilityTime.instant("tomorrow") == nil)
    }
}
