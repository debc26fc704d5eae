private import EWSExecutor
import Foundation
import Synchronization

/// A file attachment stored on an item.
struct StoredAttachment: Sendable {
    var id: String
    var name: String
    var contentType: String
    var isInline: Bool
    var content: [UInt8]
    var lastModified: Date
    var contentID: String? = nil
    /// The item an item attachment carries (nil for a file attachment).
    var attachedItem: AttachedItem? = nil
}

/// The item inside an item attachment (a class, since an item cannot hold itself by value).
final class AttachedItem: Sendable {
    let item: StoredItem
    init(_ item: StoredItem) { self.item = item }
}

/// An email address on an item.
struct StoredAddress: Sendable {
    var name: String?
    var email: String
}

/// One internet message header (`t:InternetMessageHeader`).
struct StoredHeader: Sendable, Hashable {
    var name: String
    var value: String
}

/// A change key an item had, and the properties changed after it.
struct ChangeRecord: Sendable {
    var changeKey: String
    var changedFields: Set<String>
}

/// One item in a simulated mailbox.
struct StoredItem: Sendable {
    var id: String
    var changeKey: String
    var folderID: String
    var kind: String               // Message, CalendarItem, MeetingRequest, Contact
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
    var sender: StoredAddress? = nil
    var bccRecipients: [StoredAddress] = []
    var replyTo: [StoredAddress] = []
    var categories: [String] = []
    var internetHeaders: [StoredHeader] = []
    /// Simple settable properties (booleans, strings, times) by element name (`InReplyTo`).
    var simple: [String: PropertyValue] = [:]
    /// Extended MAPI properties; multi-valued types hold several values.
    var extended: [ExtendedPropertyKey: [PropertyValue]] = [:]
    /// The MIME message the item was created from, if any.
    var mime: [UInt8]? = nil
    var lastModified: Date? = nil
    /// Earlier change keys with the properties changed since each, newest last (AutoResolve
    /// conflict detection for writers holding an older key).
    var history: [ChangeRecord] = []
    /// Calendar properties (calendar items and occurrences).
    var calendar: CalendarData? = nil
    /// Contact properties (contacts).
    var contact: ContactData? = nil
    /// Whether transport delivered it (a NewMailEvent), rather than a client saving it.
    var delivered = false
    /// The id a moved item had before (a MovedEvent names both), or the item a copy came from.
    var movedFrom: String? = nil
    var copiedFrom: String? = nil

    /// Who DisplayTo names: the To line, or a meeting's required attendees.
    var displayTo: [StoredAddress] { calendar.map { $0.required.map(\.address) } ?? toRecipients }
    var displayCc: [StoredAddress] { calendar.map { $0.optional.map(\.address) } ?? ccRecipients }

    var size: Int {
        subject.utf8.count + body.utf8.count + attachments.reduce(0) { $0 + $1.content.count + ($1.attachedItem?.item.size ?? 0) } + (mime?.count ?? 0) + 512
    }
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
    /// The mailbox's time zone (its working hours are in it).
    var timeZone = WindowsTimeZone.utc
    /// Automatic replies, and the senders already answered while they are on.
    var oof = OofSettings() {
        didSet { if oof.state == "Disabled" { oofRepliedTo = [] } }
    }
    var oofRepliedTo: Set<String> = []

    /// The folders of an Exchange 2019 mailbox, with parents, folder classes as Exchange reports
    /// them (the roots have none) and the distinguished names EWS knows them by.
    static let layout: [(name: String?, display: String, cls: String, kind: String, parent: String?)] = [
        ("root", "", "", "Folder", nil),
        ("msgfolderroot", "Top of Information Store", "", "Folder", "root"),
        ("archive", "Archive", "IPF.Note", "Folder", "msgfolderroot"),
        ("calendar", "Calendar", "IPF.Appointment", "CalendarFolder", "msgfolderroot"),
        ("contacts", "Contacts", "IPF.Contact", "ContactsFolder", "msgfolderroot"),
        ("recipientcache", "Recipient Cache", "IPF.Contact.RecipientCache", "ContactsFolder", "contacts"),
        ("quickcontacts", "{06967759-274D-40B2-A3EB-D7F9E73727D7}", "IPF.Contact.MOC.QuickContacts", "ContactsFolder", "contacts"),
        ("imcontactlist", "{A9E2BC46-B3A0-4243-B315-60D991004455}", "IPF.Contact.MOC.ImContactList", "ContactsFolder", "contacts"),
        (nil, "Companies", "IPF.Contact.Company", "ContactsFolder", "contacts"),
        (nil, "Organizational Contacts", "IPF.Contact.OrganizationalContacts", "ContactsFolder", "contacts"),
        (nil, "PeopleCentricConversation Buddies", "IPF.Contact.PeopleCentricConversationBuddies", "ContactsFolder", "contacts"),
        (nil, "Conversation Action Settings", "IPF.Configuration", "Folder", "msgfolderroot"),
        ("conversationhistory", "Conversation History", "IPF.Note.Microsoft.Conversation", "Folder", "msgfolderroot"),
        ("deleteditems", "Deleted Items", "IPF.Note", "Folder", "msgfolderroot"),
        ("drafts", "Drafts", "IPF.Note", "Folder", "msgfolderroot"),
        ("externalcontacts", "ExternalContacts", "IPF.Contact", "ContactsFolder", "msgfolderroot"),
        (nil, "Files", "IPF.Files", "Folder", "msgfolderroot"),
        ("inbox", "Inbox", "IPF.Note", "Folder", "msgfolderroot"),
        ("journal", "Journal", "IPF.Journal", "Folder", "msgfolderroot"),
        ("junkemail", "Junk Email", "IPF.Note", "Folder", "msgfolderroot"),
        ("notes", "Notes", "IPF.StickyNote", "Folder", "msgfolderroot"),
        ("outbox", "Outbox", "IPF.Note", "Folder", "msgfolderroot"),
        ("personmetadata", "PersonMetadata", "IPF.Contact", "ContactsFolder", "msgfolderroot"),
        (nil, "Quick Step Settings", "IPF.Configuration", "Folder", "msgfolderroot"),
        (nil, "RSS Feeds", "IPF.Note.OutlookHomepage", "Folder", "msgfolderroot"),
        ("sentitems", "Sent Items", "IPF.Note", "Folder", "msgfolderroot"),
        (nil, "Social Activity Notifications", "IPF.Configuration", "Folder", "msgfolderroot"),
        ("syncissues", "Sync Issues", "IPF.Note", "Folder", "msgfolderroot"),
        ("conflicts", "Conflicts", "IPF.Note", "Folder", "syncissues"),
        ("localfailures", "Local Failures", "IPF.Note", "Folder", "syncissues"),
        ("serverfailures", "Server Failures", "IPF.Note", "Folder", "syncissues"),
        ("tasks", "Tasks", "IPF.Task", "TasksFolder", "msgfolderroot"),
        ("yammerroot", "Yammer Root", "IPF.Note", "Folder", "msgfolderroot"),
        ("yammerfeeds", "Feeds", "IPF.Note", "Folder", "yammerroot"),
        ("yammerinbound", "Inbound", "IPF.Note", "Folder", "yammerroot"),
        ("yammeroutbound", "Outbound", "IPF.Note", "Folder", "yammerroot"),
        ("searchfolders", "Finder", "", "Folder", "root"),
        ("voicemail", "Voice Mail", "IPF.Note.Microsoft.Voicemail", "SearchFolder", "searchfolders"),
        ("todosearch", "To-Do Search", "IPF.Task", "SearchFolder", "searchfolders"),
        ("recoverableitemsroot", "Recoverable Items", "", "Folder", "root"),
        ("recoverableitemsdeletions", "Deletions", "", "Folder", "recoverableitemsroot"),
        ("recoverableitemsversions", "Versions", "", "Folder", "recoverableitemsroot"),
        ("recoverableitemspurges", "Purges", "", "Folder", "recoverableitemsroot"),
        ("recoverableitemsdiscoveryholds", "DiscoveryHolds", "", "Folder", "recoverableitemsroot"),
        (nil, "Audits", "", "Folder", "recoverableitemsroot"),
        (nil, "Calendar Logging", "", "Folder", "recoverableitemsroot"),
        (nil, "Common Views", "", "Folder", "root"),
        (nil, "Deferred Action", "", "Folder", "root"),
        (nil, "ExchangeSyncData", "", "Folder", "root"),
        (nil, "Freebusy Data", "", "Folder", "root"),
        (nil, "Location", "", "Folder", "root"),
        (nil, "MailboxAssociations", "", "Folder", "root"),
        (nil, "Schedule", "", "Folder", "root"),
        (nil, "Sharing", "", "Folder", "root"),
        (nil, "Shortcuts", "", "Folder", "root"),
        (nil, "Spooler Queue", "", "Folder", "root"),
        (nil, "System", "", "Folder", "root"),
        (nil, "Views", "", "Folder", "root"),
    ]

    /// Folders whose items a search folder never shows.
    private var excludedFromSearch: Set<String> {
        var ids = Set<String>()
        for name in ["recoverableitemsroot", "deleteditems", "junkemail"] {
            if let f = folder(distinguished: name) { ids.formUnion(subtree(of: f.id)) }
        }
        return ids
    }

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

    /// The items a folder shows, newest first. The Voice Mail search folder shows every voice
    /// message (item class `IPM.Note.Microsoft.Voicemail*`) outside Deleted Items, Junk Email
    /// and Recoverable Items, as Exchange's search folder does.
    func items(in folderID: String) -> [StoredItem] {
        let selected: [StoredItem]
        if folders[folderID]?.distinguishedName == "voicemail" {
            let excluded = excludedFromSearch
            selected = items.values.filter {
                $0.itemClass.lowercased().hasPrefix("ipm.note.microsoft.voicemail") && !excluded.contains($0.folderID)
            }
        } else {
            selected = items.values.filter { $0.folderID == folderID }
        }
        return selected.sorted { ($0.received, $0.id) > ($1.received, $1.id) }
    }

    /// A folder and every folder below it.
    func subtree(of folderID: String) -> [String] {
        var result = [folderID]
        var index = 0
        while index < result.count {
            result += folders.values.filter { $0.parentID == result[index] }.map(\.id)
            index += 1
        }
        return result
    }

    func children(of folderID: String) -> [StoredFolder] {
        folders.values.filter { $0.parentID == folderID }.sorted { $0.displayName < $1.displayName }
    }
}

/// Makes Exchange-looking ids: base64 of bytes that start like real EWS ids (`AAMkA…`, `AQMkA…`).
final class IDFactory: Sendable {
    private let counter = Mutex<UInt64>(0)

    private func next(prefix: [UInt8], length: Int) -> String {
        let n = counter.locked { $0 += 1; return $0 }
        var bytes = prefix
        withUnsafeBytes(of: n.bigEndian) { bytes += $0 }
        while bytes.count < length { bytes.append(UInt8.random(in: 0...255)) }
        return Data(bytes).base64EncodedString()
    }

    func itemID() -> String { next(prefix: [0x00, 0x03, 0x24, 0x00, 0x49], length: 70) }
    func folderID() -> String { next(prefix: [0x00, 0x03, 0x24, 0x00, 0x46], length: 46) }
    func attachmentID() -> String { next(prefix: [0x00, 0x03, 0x24, 0x00, 0x41], length: 82) }
    func changeKey() -> String { next(prefix: [0x09, 0x00, 0x00, 0x00], length: 24) }

    /// Whether `key` is shaped like a change key this factory makes.
    static func isWellFormedChangeKey(_ key: String) -> Bool {
        guard let data = Data(base64Encoded: key), data.count >= 12 else { return false }
        return data.prefix(4) == Data([0x09, 0x00, 0x00, 0x00])
    }

    /// Whether `id` is shaped like an id this factory makes (else Exchange says "Id is malformed").
    static func isWellFormed(_ id: String) -> Bool {
        guard let data = Data(base64Encoded: id), data.count >= 13 else { return false }
        return data.prefix(4) == Data([0x00, 0x03, 0x24, 0x00])
    }
}
