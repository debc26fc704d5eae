@testable import Conformance
import EWSProtocol
import EWSSimulator
import Foundation
import Testing

/// Each contact-center check fails, with its own words, against a simulator that deviates the
/// way a real provider has; the checks it does not concern still pass, and nothing is left behind.
@Suite("Contact-center checks against deviating providers (simulator quirks)")
struct ContactCenterQuirkTests {
    /// Runs the whole suite (or `run`) against a simulator with `quirk`; every result of `failing`
    /// must be a failure whose message contains its fragment, `skipped` may be skipped, everything
    /// else passes, and nothing stays in the tenant.
    static func expect(_ quirk: SimulatorQuirk, failing: [CheckID: String], skipped: Set<CheckID> = [], perMailbox: Bool = true,
                       exitCode: Int = 1,
                       run: (Simulator) async throws -> RunReport = { try await runSuite(.simulated($0), password: $0.serviceAccountPassword) },
                       sourceLocation: SourceLocation = #_sourceLocation) async throws {
        try await LiveSimulator.with(quirks: [quirk]) { simulator in
            let report = try await run(simulator)
            for (id, fragment) in failing {
                let results = report.results(id)
                #expect(results.count == (perMailbox ? simulator.mailboxesInScope.count : 1), "\(id) ran \(results.count) times", sourceLocation: sourceLocation)
                for r in results {
                    #expect(r.outcome == .failed, "\(r.displayName) was \(r.outcome): \(r.message)", sourceLocation: sourceLocation)
                    #expect(r.message.contains(fragment), "\(r.displayName): \(r.message)", sourceLocation: sourceLocation)
                    #expect(!r.evidence.isEmpty, "\(r.displayName) cites no evidence", sourceLocation: sourceLocation)
                }
            }
            let others = report.results.filter { failing[$0.id] == nil && !($0.outcome == .skipped && skipped.contains($0.id)) }
            #expect(others.allSatisfy { $0.outcome == .passed },
                    "\(others.filter { $0.outcome != .passed }.map { "\($0.displayName) \($0.outcome): \($0.message)" })", sourceLocation: sourceLocation)
            #expect(report.exitCode == exitCode, sourceLocation: sourceLocation)
            #expect(simulator.tenant.allItems().isEmpty, "left in the tenant: \(simulator.tenant.allItems())", sourceLocation: sourceLocation)
        }
    }

    // MARK: message waiting

    @Test("GetItem without IsRead fails message-waiting.created-unread (the read flag cannot be seen) and mark-all-read's confirmation")
    func isReadNotReturned() async throws {
        try await Self.expect(.isReadNotReturned,
                              failing: [CheckCatalog.messageWaitingCreatedUnread: "gives no IsRead",
                                        CheckCatalog.messageWaitingMarkAllRead: "gives no IsRead for 2 of the 2 voicemails"],
                              skipped: [CheckCatalog.messageWaitingReadClears, CheckCatalog.notificationsPull, CheckCatalog.notificationsStreaming])
    }

    @Test("an UpdateItem of IsRead that is answered but not stored fails message-waiting.read-clears")
    func readFlagUpdateIgnored() async throws {
        try await Self.expect(.readFlagUpdateIgnored,
                              failing: [CheckCatalog.messageWaitingReadClears: "UpdateItem answered NoError, but the voicemail still reads IsRead=false"],
                              skipped: [CheckCatalog.notificationsPull, CheckCatalog.notificationsStreaming])
    }

    @Test("a MarkAllItemsAsRead that changes nothing fails message-waiting.mark-all-read, and its folder is still removed")
    func markAllItemsAsReadIgnored() async throws {
        try await Self.expect(.markAllItemsAsReadIgnored,
                              failing: [CheckCatalog.messageWaitingMarkAllRead: "the folder's UnreadCount is 2 (was 2) and 2 of 2 voicemails still read IsRead=false"])
    }

    // MARK: notifications

    /// Only notifications.subscriptions-held (and what it needs first) against `simulator`.
    static func runHeldSubscriptions(_ simulator: Simulator) async throws -> RunReport {
        let target = TargetConfiguration.simulated(simulator)
        var warnings: [String] = []
        let credentials = try target.credentials(environment: [passwordVariable: simulator.serviceAccountPassword], warnings: &warnings)
        var options = RunOptions(runID: RunOptions.makeRunID())
        options.selection = CheckSelection(only: [CheckCatalog.notificationsSubscriptionsHeld.rawValue])
        return await SuiteRunner(target: target, credentials: credentials, options: options, warnings: warnings).run()
    }

    @Test("one pull subscription per mailbox is held at once: each answers GetEvents with all held, and each is ended")
    func subscriptionsHeld() async throws {
        try await LiveSimulator.with { simulator in
            let report = try await Self.runHeldSubscriptions(simulator)
            let held = try report.result(CheckCatalog.notificationsSubscriptionsHeld)
            let count = simulator.mailboxesInScope.count
            #expect(held.outcome == .passed, "\(held.message)")
            #expect(held.facts["held"] == String(count) && held.facts["getevents_calls"] == String(count), "\(held.facts)")
            let log = simulator.requestLog
            #expect(log.filter { $0.operation == "Subscribe" }.count == count)
            #expect(log.filter { $0.operation == "Unsubscribe" && $0.responseCodes == ["NoError"] }.count == count)
            // The GetEvents calls came only after the last Subscribe: every subscription was held at once.
            let lastSubscribe = try #require(log.lastIndex { $0.operation == "Subscribe" })
            let firstPoll = try #require(log.firstIndex { $0.operation == "GetEvents" })
            #expect(lastSubscribe < firstPoll)
            #expect(report.exitCode == 0)
        }
    }

    @Test("a provider that charges subscriptions to the service account fails notifications.subscriptions-held, naming its limit, and ends what it held")
    func subscriptionsChargedToCaller() async throws {
        try await LiveSimulator.with(quirks: [.subscriptionsChargedToCaller]) { simulator in
            let report = try await Self.runHeldSubscriptions(simulator)
            let held = try report.result(CheckCatalog.notificationsSubscriptionsHeld)
            #expect(held.outcome == .failed, "\(held.message)")
            #expect(held.message.contains("answered ErrorExceededSubscriptionCount when the service account held 2 subscription(s) of this check"), "\(held.message)")
            #expect(held.message.contains("the provider's subscription limit is 2 for the account"), "\(held.message)")
            #expect(held.facts["subscription_limit"] == "2" && held.facts["response_code"] == "ErrorExceededSubscriptionCount", "\(held.facts)")
            #expect(!held.evidence.isEmpty)
            #expect(simulator.requestLog.filter { $0.operation == "Unsubscribe" && $0.responseCodes == ["NoError"] }.count == 2)
            #expect(report.exitCode == 1)
        }
    }

    // MARK: delivery

    @Test("a store that drops the product's extended properties fails every delivery read-back, naming the property")
    func productPropertiesDropped() async throws {
        try await Self.expect(.productPropertiesDropped,
                              failing: [CheckCatalog.deliveryVoicemailCreateItem: "the extended property CallerNumber came back as (absent)",
                                        CheckCatalog.deliveryFaxCreateItem: "the extended property CallerNumber came back as (absent)",
                                        CheckCatalog.deliveryVoicemailMIME: "the extended property DurationSeconds came back as (absent)",
                                        CheckCatalog.deliveryFaxMIME: "the extended property CallerNumber came back as (absent)"])
    }

    @Test("a MIME upload that loses its attachments fails both MIME deliveries, naming the file")
    func mimeAttachmentsDropped() async throws {
        try await Self.expect(.mimeAttachmentsDropped,
                              failing: [CheckCatalog.deliveryVoicemailMIME: "the attachment voicemail.wav is missing (attachments: none)",
                                        CheckCatalog.deliveryFaxMIME: "the attachment fax.tif is missing (attachments: none)"])
    }

    @Test("corrupted attachment content fails every delivery read-back at the first differing byte")
    func corruptAttachmentFax() async throws {
        try await LiveSimulator.with(quirks: [.corruptAttachmentContent]) { simulator in
            let report = try await runSuite(.simulated(simulator), password: simulator.serviceAccountPassword)
            for id in [CheckCatalog.deliveryVoicemailCreateItem, CheckCatalog.deliveryFaxCreateItem, CheckCatalog.deliveryFaxMIME, CheckCatalog.deliveryVoicemailMIME] {
                #expect(report.results(id).count == simulator.mailboxesInScope.count, "\(id)")
                for r in report.results(id) {
                    #expect(r.outcome == .failed, "\(r.displayName) was \(r.outcome)")
                    #expect(r.message.contains("differ from the") && r.message.contains("first difference at byte"), "\(r.displayName): \(r.message)")
                }
            }
            #expect(simulator.tenant.allItems().isEmpty)
        }
    }

    @Test("a provider that cannot filter on an extended property fails delivery.filtered-find with its error")
    func extendedPropertyRestrictionRefused() async throws {
        try await Self.expect(.extendedPropertyRestrictionRefused,
                              failing: [CheckCatalog.deliveryFilteredFind: "ErrorUnsupportedPathForQuery"])
    }

    // MARK: directory

    @Test("ResolveNames without the directory contact fails directory.resolve-names")
    func resolveNamesWithoutContactData() async throws {
        try await Self.expect(.resolveNamesWithoutContactData,
                              failing: [CheckCatalog.directoryResolveNames: "with ReturnFullContactData gave no directory contact"],
                              skipped: [CheckCatalog.directoryUnknownName, CheckCatalog.directoryExpandDL])
    }

    @Test("an unknown name answered with an empty success fails the must-fail directory.unknown-name")
    func unknownNameResolvesEmpty() async throws {
        try await Self.expect(.unknownNameResolvesEmpty,
                              failing: [CheckCatalog.directoryUnknownName: "answered NoError with 0 resolution(s) instead of ErrorNameResolutionNoResults"],
                              perMailbox: false)
    }

    @Test("an unreadable Contacts folder fails directory.contacts-folder with the provider's code")
    func contactsFolderMissing() async throws {
        try await Self.expect(.contactsFolderMissing, failing: [CheckCatalog.directoryContactsFolder: "ErrorFolderNotFound"])
    }

    // MARK: routing

    @Test("SendAndSaveCopy without the Sent Items copy fails routing.send-and-save-copy after the message arrived")
    func sentCopyNotSaved() async throws {
        // The cleanup cannot prove the Sent Items copy the provider acknowledged never exists.
        try await Self.expect(.sentCopyNotSaved, failing: [CheckCatalog.routingSendAndSaveCopy: "left no copy in",
                                                          CheckCatalog.cleanupComplete: "1 CreateItem request(s) got no usable answer"], perMailbox: false)
    }

    @Test("a MoveItem that copies fails routing.move, and both copies are removed")
    func moveItemKeepsOriginal() async throws {
        try await Self.expect(.moveItemKeepsOriginal, failing: [CheckCatalog.routingMove: "the item was copied, not moved"])
    }

    @Test("a CopyItem that moves fails routing.copy")
    func copyItemMovesOriginal() async throws {
        try await Self.expect(.copyItemMovesOriginal, failing: [CheckCatalog.routingCopy: "the item was moved, not copied"])
    }

    @Test("a SyncFolderItems that ignores its sync state fails routing.sync-folder-items, and the delivered message is still removed")
    func syncStateIgnored() async throws {
        try await Self.expect(.syncStateIgnored, failing: [CheckCatalog.routingSyncFolderItems: "the sync state is ignored"], perMailbox: false)
    }

    @Test("routing.sync-folder-items waits for a late delivery: the Create comes from the state taken before the send, its time and Message-ID recorded")
    func syncSeesLateDelivery() async throws {
        try await LiveSimulator.with(configure: { $0.deliveryDelayMilliseconds = 3000 }) { simulator in
            let report = try await runSuite(.simulated(simulator), password: simulator.serviceAccountPassword)
            let sync = try report.result(CheckCatalog.routingSyncFolderItems)
            #expect(sync.outcome == .passed, "\(sync.message)")
            #expect(sync.facts["recipient"] == simulator.mailboxesInScope[1])
            // Timed from the send's answer, which a loaded machine hands over late: less than the
            // simulator's 3 s. That the first synchronisation missed the message is what proves the
            // wait (with 600 ms, a first pass loaded by a sanitizer run beside it once found it at once).
            #expect((sync.facts["delivery_ms"].flatMap { Int($0) } ?? 0) > 0, "\(sync.facts)")
            #expect((sync.facts["sync_polls"].flatMap { Int($0) } ?? 0) > 1, "\(sync.facts)")
            #expect(sync.facts["baseline_pages"] == "1")
            #expect(sync.facts["internet_message_id"]?.hasPrefix("<") == true, "\(sync.facts)")
            #expect(sync.facts["date_time_received"] != nil)
            #expect(sync.message.contains("reported the message from \(simulator.mailboxesInScope[0]) as a Create after"), "\(sync.message)")
            #expect(report.results.allSatisfy { $0.outcome == .passed }, "\(report.results.filter { $0.outcome != .passed }.map(\.message))")
            #expect(simulator.tenant.allItems().isEmpty)
        }
    }

    @Test("the send-and-save-copy check records the delivery time and both copies in the ledger; a single mailbox sends to itself")
    func sendToSelf() async throws {
        try await LiveSimulator.with { simulator in
            var target = TargetConfiguration.simulated(simulator)
            target.mailboxes = Array(simulator.mailboxesInScope.prefix(1))
            let report = try await runSuite(target, password: simulator.serviceAccountPassword)
            let send = try report.result(CheckCatalog.routingSendAndSaveCopy)
            #expect(send.outcome == .passed, "\(send.message)")
            #expect(send.facts["recipient"] == simulator.mailboxesInScope[0])
            #expect(send.facts["delivery_ms"].flatMap { Int($0) } != nil)
            #expect(report.results.allSatisfy { $0.outcome == .passed }, "\(report.results.filter { $0.outcome != .passed }.map(\.message))")
            #expect(report.cleanup.created == itemsCreated(mailboxes: 1))
            #expect(simulator.tenant.allItems().isEmpty)
        }
    }

    // MARK: versions

    @Test("a provider that refuses request versions it claims to understand fails ews.request-version.matrix, naming them")
    func oldVersionsRefused() async throws {
        try await Self.expect(.requestVersionsBefore2010Refused,
                              failing: [CheckCatalog.requestVersionMatrix: "does not accept every older request version: Exchange2007_SP1: refused (ErrorInvalidServerVersion); Exchange2009: refused"],
                              perMailbox: false, exitCode: 0)  // recommended: reported, the run still conforms
    }

    @Test("the matrix runs to the newest version each server claims: all known on premises, Exchange2013_SP1 at an Exchange 2013 hoster")
    func newestClaimed() {
        let onPrem = ServerVersionInfo(majorVersion: 15, minorVersion: 2, majorBuildNumber: 1544, minorBuildNumber: 4, version: "V2017_07_11")
        let online = ServerVersionInfo(majorVersion: 15, minorVersion: 20, majorBuildNumber: 8293, minorBuildNumber: 26, version: "V2018_01_08")
        let hoster = ServerVersionInfo(majorVersion: 15, minorVersion: 0, majorBuildNumber: 1497, minorBuildNumber: 2, version: "V2_23")
        let exchange2010 = ServerVersionInfo(majorVersion: 14, minorVersion: 3, majorBuildNumber: 123, minorBuildNumber: 4, version: nil)
        #expect(CheckContext.newestClaimed(onPrem) == "V2017_07_11")
        #expect(CheckContext.newestClaimed(online) == "V2017_07_11")
        #expect(CheckContext.newestClaimed(hoster) == "Exchange2013_SP1")
        #expect(CheckContext.newestClaimed(exchange2010) == "Exchange2010_SP2")
    }
}
