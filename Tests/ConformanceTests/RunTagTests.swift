import Conformance
import EWSProtocol
import EWSTestSupport
import Foundation
import Testing

/// The run tag and the on-disk ledger that let a killed run's items be found again.
@Suite struct RunTagTests {
    @Test func generatedRunIDsCarryTheirStartTime() throws {
        let date = Date(timeIntervalSince1970: 1_796_000_000)
        let id = RunOptions.makeRunID(date)
        #expect(RunTag.startDate(ofRunID: id) == date)
        #expect(RunTag.startDate(ofRunID: "nightly") == nil, "a hand-chosen id has no date")
        #expect(RunTag(runID: id).subjectMarker == "[ewscheck \(id)]")
    }

    @Test func selectionsTakeOnlyTheTagsTheyName() {
        let old = "20200101T000000Z-aaaa"
        let recent = RunOptions.makeRunID()
        #expect(LeftoverSweep.Selection.run(old).takes(old))
        #expect(!LeftoverSweep.Selection.run(old).takes(recent))
        #expect(!LeftoverSweep.Selection.run(old).takes(nil), "an item whose tag did not come back is never taken")
        let cutoff = Date().addingTimeInterval(-86400)
        #expect(LeftoverSweep.Selection.olderThan(cutoff).takes(old))
        #expect(!LeftoverSweep.Selection.olderThan(cutoff).takes(recent))
        #expect(!LeftoverSweep.Selection.olderThan(cutoff).takes("nightly"), "no date, no age: left alone")
        #expect(LeftoverSweep.Selection.any.takes("nightly"))
        #expect(!LeftoverSweep.Selection.any.takes(""))
    }

    @Test func theLedgerFileHasTheIntentBeforeTheIdAndTheRemovalAfter() throws {
        let dir = try Fixtures.temporaryDirectory("ledger")
        let path = dir + "/ledger.jsonl"
        let ledger = CleanupLedger(runID: "r1", journalPath: path)
        let attempt = ledger.recordIntent(mailbox: "alice@contoso.com", subject: "s [ewscheck r1]", by: "voicemail.deliver")
        let afterIntent = try String(contentsOfFile: path, encoding: .utf8)
        #expect(afterIntent.contains("\"intent\"") && !afterIntent.contains("\"created\""), "the intent is on disk before any answer")
        let lost = ledger.recordIntent(mailbox: "bob@contoso.com", subject: "t [ewscheck r1]", by: "voicemail.deliver")
        ledger.recordCreated(mailbox: "alice@contoso.com", item: ItemIdentifier(id: "AAMk1"), subject: "s", by: "voicemail.deliver", attempt: attempt)
        ledger.recordRemoved(itemID: "AAMk1")
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
            .compactMap { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: String] }
        #expect(lines.map { $0["event"] ?? "" } == ["intent", "intent", "created", "removed"])
        #expect(lines[2]["item_id"] == "AAMk1" && lines[2]["attempt"] == String(attempt))
        #expect(lines.allSatisfy { $0["run_id"] == "r1" })
        #expect(ledger.unanswered.map(\.number) == [lost], "the attempt without an answer is known")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600, "the ledger names mailboxes: readable by its owner only")
    }

    @Test func anUnwritableLedgerFileIsReportedNotFatal() {
        let ledger = CleanupLedger(runID: "r", journalPath: "/nonexistent-dir/ledger.jsonl")
        _ = ledger.recordIntent(mailbox: "a@b.c", subject: "s", by: "voicemail.deliver")
        #expect(ledger.journalError?.contains("/nonexistent-dir/ledger.jsonl") == true)
        #expect(ledger.attempts.count == 1, "the in-memory ledger still works")
    }
}
