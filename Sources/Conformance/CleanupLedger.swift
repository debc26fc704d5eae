import EWSProtocol
import Foundation

/// Every item the suite creates, recorded the moment the provider returns its id, so that it is
/// removed at the end whatever happened in between (a failed check, an error, Ctrl-C).
public final class CleanupLedger: @unchecked Sendable {
    /// One created item.
    public struct Entry: Sendable, Codable, Hashable {
        /// The mailbox it was created in.
        public var mailbox: String
        /// Its id.
        public var itemID: String
        /// Its change key.
        public var changeKey: String?
        /// Its subject (for people reading a leftover list).
        public var subject: String
        /// Which check created it.
        public var createdBy: CheckID
        /// Whether it has been removed.
        public var removed: Bool
    }

    private let lock = NSLock()
    private var entries: [Entry] = []

    /// Creates an empty ledger.
    public init() {}

    /// Records a created item.
    public func recordCreated(mailbox: String, item: ItemIdentifier, subject: String, by check: CheckID) {
        lock.withLock {
            entries.append(Entry(mailbox: mailbox, itemID: item.id, changeKey: item.changeKey, subject: subject,
                                 createdBy: check, removed: false))
        }
    }

    /// Marks an item removed.
    public func recordRemoved(itemID: String) {
        lock.withLock {
            for i in entries.indices where entries[i].itemID == itemID { entries[i].removed = true }
        }
    }

    /// Items not yet removed.
    public var outstanding: [Entry] { lock.withLock { entries.filter { !$0.removed } } }

    /// Every item recorded.
    public var all: [Entry] { lock.withLock { entries } }
}
