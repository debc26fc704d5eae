private import EWSExecutor
import EWSProtocol
import Foundation
import Synchronization

/// Every item the suite creates. An intent is recorded before the CreateItem is sent and the id
/// after the provider returns it, both in memory and (when the run has a folder) as JSON lines in
/// `ledger.jsonl`, so that whatever happens in between — a lost answer, a failed check, Ctrl-C,
/// even SIGKILL — the item can be found again by its run tag and removed.
package final class CleanupLedger: Sendable {
    /// One created item.
    package struct Entry: Sendable, Codable, Hashable {
        /// The mailbox it was created in.
        package var mailbox: String
        /// Its id.
        package var itemID: String
        /// Its change key.
        package var changeKey: String?
        /// Its subject (for people reading a leftover list).
        package var subject: String
        /// Which check created it.
        package var createdBy: CheckID
        /// Whether it has been removed.
        package var removed: Bool
    }

    /// A creation the suite attempted; `itemID` stays nil when no id came back.
    package struct Attempt: Sendable, Hashable {
        /// Its number in this run.
        package var number: Int
        /// The mailbox.
        package var mailbox: String
        /// The subject sent.
        package var subject: String
        /// The check that sent it.
        package var check: CheckID
        /// The id the provider returned, if any.
        package var itemID: String?
    }

    private struct State {
        /// One formatter for every line (used under the lock; making one per line was measurable).
        let timestamps = ISO8601DateFormatter()
        var entries: [Entry] = []
        /// Where each item id is in `entries`: an item is marked removed once per mailbox, and a
        /// scan of every entry each time made a large run quadratic.
        var positions: [String: [Int]] = [:]
        var attempts: [Attempt] = []

        mutating func add(_ entry: Entry) {
            positions[entry.itemID, default: []].append(entries.count)
            entries.append(entry)
        }
    }

    private let state = Mutex(State())
    /// The run id written into every journal line.
    package let runID: String?
    /// `ledger.jsonl`, when the run has a folder.
    private let journal: LineFile?

    /// Creates a ledger kept in memory only.
    package init() {
        runID = nil
        journal = nil
    }

    /// Creates a ledger that also appends to `journalPath` (created if missing).
    package init(runID: String, journalPath: String) {
        self.runID = runID
        journal = LineFile(path: journalPath, truncate: false, name: "the ledger file")
    }

    /// Why the journal could not be written, if it could not.
    package var journalError: String? { journal?.error }

    /// Records that an item is about to be created (before the request leaves); returns the
    /// attempt's number for ``recordCreated(attempt:item:)``.
    package func recordIntent(mailbox: String, subject: String, by check: CheckID) -> Int {
        state.locked { s in
            let number = s.attempts.count + 1
            s.attempts.append(Attempt(number: number, mailbox: mailbox, subject: subject, check: check, itemID: nil))
            append(&s, ["event": "intent", "attempt": String(number), "mailbox": mailbox, "subject": subject,
                             "check": check.rawValue, "run_id": runID ?? ""])
            return number
        }
    }

    /// Records a created item (with the attempt it answers, when one was recorded).
    package func recordCreated(mailbox: String, item: ItemIdentifier, subject: String, by check: CheckID, attempt: Int? = nil) {
        state.locked { s in
            s.add(Entry(mailbox: mailbox, itemID: item.id, changeKey: item.changeKey, subject: subject,
                        createdBy: check, removed: false))
            if let attempt, s.attempts.indices.contains(attempt - 1) { s.attempts[attempt - 1].itemID = item.id }
            append(&s, ["event": "created", "attempt": attempt.map(String.init) ?? "", "mailbox": mailbox,
                             "item_id": item.id, "check": check.rawValue, "run_id": runID ?? ""])
        }
    }

    /// Marks an item removed.
    package func recordRemoved(itemID: String) {
        state.locked { s in
            var mailbox = ""
            for i in s.positions[itemID] ?? [] {
                s.entries[i].removed = true
                mailbox = s.entries[i].mailbox
            }
            append(&s, ["event": "removed", "mailbox": mailbox, "item_id": itemID, "run_id": runID ?? ""])
        }
    }

    /// Records an item that no check had an id for, found by its run tag and added so the
    /// cleanup removes it like any other.
    package func recordFoundByTag(mailbox: String, item: ItemIdentifier, subject: String) {
        state.locked { s in
            s.add(Entry(mailbox: mailbox, itemID: item.id, changeKey: item.changeKey, subject: subject,
                        createdBy: CheckID("suite.cleanup.complete"), removed: false))
            append(&s, ["event": "found_by_tag", "mailbox": mailbox, "item_id": item.id, "run_id": runID ?? ""])
        }
    }

    /// Items not yet removed.
    package var outstanding: [Entry] { state.locked { $0.entries.filter { !$0.removed } } }

    /// Every item recorded.
    package var all: [Entry] { state.locked { $0.entries } }

    /// Every attempted creation, in order.
    package var attempts: [Attempt] { state.locked { $0.attempts } }

    /// Attempts whose answer never gave an id (the item may exist anyway).
    package var unanswered: [Attempt] { state.locked { $0.attempts.filter { $0.itemID == nil } } }

    /// One JSON object per line (written under the state's lock, so lines keep the order of the
    /// changes they record); a failed write is remembered, never fatal.
    private func append(_ s: inout State, _ fields: [String: String]) {
        guard let journal else { return }
        var object = fields.mapValues(JSONValue.string)
        object["at"] = .string(s.timestamps.string(from: Date()))
        journal.append(Data(JSONValue.object(object).compact))
    }
}
