import Foundation

/// A file attachment stored on an item.
struct StoredAttachment: Sendable {
    var id: String
    var name: String
    var contentType: String
    var isInline: Bool
    var content: [UInt8]
    var lastModified: Date
}

/// An email address on an item.
struct StoredAddress: Sendable {
    var name: String?
    var email: String
}

/// One item in a simulated mailbox.
struct StoredItem: Sendable {
    var id: String
    var changeKey: String
    var folderID: String
    var kind: String               // Message
    var itemClass: String
    var subject: String
    var body: String
    var bodyType: String
    var attachments: [StoredAttachment]
    var from: StoredAddress?
    var toRecipients: [StoredAddress]
    var ccRecipients: [StoredAddress]
    var isRead: Bool
    var isDraft: Bool
    var importance: String
    var sensitivity: String
    var created: Date
    var received: Date

    var size: Int { subject.utf8.count + body.utf8.count + attachments.reduce(0) { $0 + $1.content.count } + 512 }
}

/// One folder in a simulated mailbox.
struct StoredFolder: Sendable {
    var id: String
    var changeKey: String
    var distinguishedName: String?
    var displayName: String
    var folderClass: String
    var parentID: String?
    var kind: String               // Folder, CalendarFolder, ContactsFolder, TasksFolder, SearchFolder
}

/// The store of one mailbox: folders and items.
struct MailboxStore: Sendable {
    var owner: String
    var folders: [String: StoredFolder] = [:]
    var items: [String: StoredItem] = [:]

    /// The distinguished folders every mailbox has, with parents.
    static let layout: [(name: String?, display: String, cls: String, kind: String, parent: String?)] = [
        ("root", "", "", "Folder", nil),
        ("msgfolderroot", "Top of Information Store", "IPF.Note", "Folder", "root"),
        ("inbox", "Inbox", "IPF.Note", "Folder", "msgfolderroot"),
        ("drafts", "Drafts", "IPF.Note", "Folder", "msgfolderroot"),
        ("sentitems", "Sent Items", "IPF.Note", "Folder", "msgfolderroot"),
        ("deleteditems", "Deleted Items", "IPF.Note", "Folder", "msgfolderroot"),
        ("outbox", "Outbox", "IPF.Note", "Folder", "msgfolderroot"),
        ("junkemail", "Junk Email", "IPF.Note", "Folder", "msgfolderroot"),
        ("calendar", "Calendar", "IPF.Appointment", "CalendarFolder", "msgfolderroot"),
        ("contacts", "Contacts", "IPF.Contact", "ContactsFolder", "msgfolderroot"),
        ("tasks", "Tasks", "IPF.Task", "TasksFolder", "msgfolderroot"),
        ("notes", "Notes", "IPF.StickyNote", "Folder", "msgfolderroot"),
        ("journal", "Journal", "IPF.Journal", "Folder", "msgfolderroot"),
        ("voicemail", "Voice Mail", "IPF.Note.Microsoft.Voicemail", "SearchFolder", "root"),
        ("searchfolders", "Finder", "", "Folder", "root"),
        ("recoverableitemsroot", "Recoverable Items", "", "Folder", "root"),
        ("recoverableitemsdeletions", "Deletions", "", "Folder", "recoverableitemsroot"),
    ]

    init(owner: String, ids: IDFactory) {
        self.owner = owner
        var byName: [String: String] = [:]
        for entry in Self.layout {
            let id = ids.folderID()
            if let name = entry.name { byName[name] = id }
            folders[id] = StoredFolder(id: id, changeKey: ids.changeKey(), distinguishedName: entry.name,
                                       displayName: entry.display, folderClass: entry.cls,
                                       parentID: entry.parent.flatMap { byName[$0] }, kind: entry.kind)
        }
    }

    func folder(distinguished name: String) -> StoredFolder? {
        folders.values.first { $0.distinguishedName == name }
    }

    func items(in folderID: String) -> [StoredItem] {
        items.values.filter { $0.folderID == folderID }.sorted { ($0.received, $0.id) > ($1.received, $1.id) }
    }

    func children(of folderID: String) -> [StoredFolder] {
        folders.values.filter { $0.parentID == folderID }.sorted { $0.displayName < $1.displayName }
    }
}

/// Makes Exchange-looking ids: base64 of bytes that start like real EWS ids (`AAMkA…`, `AQMkA…`).
final class IDFactory: @unchecked Sendable {
    private let lock = NSLock()
    private var counter: UInt64 = 0

    private func next(prefix: [UInt8], length: Int) -> String {
        lock.lock()
        counter += 1
        let n = counter
        lock.unlock()
        var bytes = prefix
        withUnsafeBytes(of: n.bigEndian) { bytes += $0 }
        while bytes.count < length { bytes.append(UInt8.random(in: 0...255)) }
        return Data(bytes).base64EncodedString()
    }

    func itemID() -> String { next(prefix: [0x00, 0x03, 0x24, 0x00, 0x49], length: 70) }
    func folderID() -> String { next(prefix: [0x00, 0x03, 0x24, 0x00, 0x46], length: 46) }
    func attachmentID() -> String { next(prefix: [0x00, 0x03, 0x24, 0x00, 0x41], length: 82) }
    func changeKey() -> String { next(prefix: [0x09, 0x00, 0x00, 0x00], length: 24) }

    /// Whether `id` is shaped like an id this factory makes (else Exchange says "Id is malformed").
    static func isWellFormed(_ id: String) -> Bool {
        guard let data = Data(base64Encoded: id), data.count >= 13 else { return false }
        return data.prefix(4) == Data([0x00, 0x03, 0x24, 0x00])
    }
}
