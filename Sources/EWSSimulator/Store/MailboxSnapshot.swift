import Foundation

/// What a mailbox looked like at one moment, reduced to what change reporting needs: each item's
/// folder and change key (and where a moved or copied item came from), each folder's parent and
/// change key. Subscriptions and sync states compare two snapshots to say what changed.
struct MailboxSnapshot: Sendable {
    struct Item: Sendable, Equatable {
        var folderID: String
        var changeKey: String
        var isRead: Bool
        var delivered: Bool
        var movedFrom: String?
        var copiedFrom: String?
        /// A calendar item: its changes change free/busy.
        var isCalendar = false
    }

    struct Folder: Sendable, Equatable {
        var parentID: String?
        var changeKey: String
        var displayName: String
    }

    var items: [String: Item] = [:]
    var folders: [String: Folder] = [:]

    init() {}

    init(_ store: MailboxStore) {
        for (id, item) in store.items {
            items[id] = Item(folderID: item.folderID, changeKey: item.changeKey, isRead: item.isRead, delivered: item.delivered,
                             movedFrom: item.movedFrom, copiedFrom: item.copiedFrom, isCalendar: item.kind == "CalendarItem")
        }
        for (id, folder) in store.folders {
            folders[id] = Folder(parentID: folder.parentID, changeKey: folder.changeKey, displayName: folder.displayName)
        }
    }

    /// One change between two snapshots, as a notification reports it.
    struct Event: Sendable {
        enum Kind: String, Sendable { case created = "CreatedEvent", deleted = "DeletedEvent", modified = "ModifiedEvent",
                                      moved = "MovedEvent", copied = "CopiedEvent", newMail = "NewMailEvent",
                                      freeBusyChanged = "FreeBusyChangedEvent" }
        var kind: Kind
        var isFolder: Bool
        var id: String
        var parentID: String
        var oldID: String?
        var oldParentID: String?
    }

    /// The events that lead from `old` to `self`, items before folders, creations first.
    func events(since old: MailboxSnapshot) -> [Event] {
        var events: [Event] = []
        var consumed = Set<String>()
        for (id, item) in items.sorted(by: { $0.key < $1.key }) {
            if let before = old.items[id] {
                if before.folderID != item.folderID {
                    events.append(Event(kind: .moved, isFolder: false, id: id, parentID: item.folderID, oldID: id, oldParentID: before.folderID))
                } else if before.changeKey != item.changeKey {
                    events.append(Event(kind: .modified, isFolder: false, id: id, parentID: item.folderID))
                }
                continue
            }
            if let from = item.movedFrom, let before = old.items[from], items[from] == nil {
                consumed.insert(from)
                events.append(Event(kind: .moved, isFolder: false, id: id, parentID: item.folderID, oldID: from, oldParentID: before.folderID))
            } else if let from = item.copiedFrom, let before = old.items[from] {
                events.append(Event(kind: .copied, isFolder: false, id: id, parentID: item.folderID, oldID: from, oldParentID: before.folderID))
            } else {
                events.append(Event(kind: .created, isFolder: false, id: id, parentID: item.folderID))
                if item.delivered { events.append(Event(kind: .newMail, isFolder: false, id: id, parentID: item.folderID)) }
            }
        }
        for (id, before) in old.items.sorted(by: { $0.key < $1.key }) where items[id] == nil && !consumed.contains(id) {
            events.append(Event(kind: .deleted, isFolder: false, id: id, parentID: before.folderID))
        }
        // Any change to a calendar item changes its mailbox's free/busy.
        for e in events where (items[e.id] ?? old.items[e.id])?.isCalendar == true {
            events.append(Event(kind: .freeBusyChanged, isFolder: false, id: e.id, parentID: e.parentID))
        }
        for (id, folder) in folders.sorted(by: { $0.key < $1.key }) {
            guard let before = old.folders[id] else {
                events.append(Event(kind: .created, isFolder: true, id: id, parentID: folder.parentID ?? ""))
                continue
            }
            if before.parentID != folder.parentID {
                events.append(Event(kind: .moved, isFolder: true, id: id, parentID: folder.parentID ?? "", oldID: id, oldParentID: before.parentID))
            } else if before != folder {
                events.append(Event(kind: .modified, isFolder: true, id: id, parentID: folder.parentID ?? ""))
            }
        }
        for (id, before) in old.folders.sorted(by: { $0.key < $1.key }) where folders[id] == nil {
            events.append(Event(kind: .deleted, isFolder: true, id: id, parentID: before.parentID ?? ""))
        }
        return events
    }
}
