import Foundation

/// MAPI properties the store computes for every item, which clients read by property tag
/// (DavMail lists a folder by PR_INTERNET_ARTICLE_NUMBER, its IMAP UID). A value a client set
/// itself wins; properties not listed here exist only when set.
enum ComputedMapiProperty {
    static func values(_ key: ExtendedPropertyKey, of item: StoredItem) -> [PropertyValue]? {
        switch (key.identity, key.type) {
        case (.tag(0x0E07), .integer):   // PR_MESSAGE_FLAGS: read, unsent, has attachments
            var flags: Int64 = 0
            if item.isRead { flags |= 0x1 }
            if item.isDraft { flags |= 0x8 }
            if item.attachments.contains(where: { !$0.isInline }) { flags |= 0x10 }
            return [.integer(flags)]
        case (.tag(0x0E08), .integer): return [.integer(Int64(item.size))]                  // PR_MESSAGE_SIZE
        case (.tag(0x0E06), .systemTime): return [.date(item.received)]                     // PR_MESSAGE_DELIVERY_TIME
        case (.tag(0x3007), .systemTime): return [.date(item.created)]                      // PR_CREATION_TIME
        case (.tag(0x3008), .systemTime): return [.date(item.lastModified ?? item.created)] // PR_LAST_MODIFICATION_TIME
        case (.tag(0x0E23), .integer):   // PR_INTERNET_ARTICLE_NUMBER: grows with every new item (a new id)
            return articleNumber(item.id).map { [.integer($0)] }
        case (.tag(0x0FF9), .binary):    // PR_RECORD_KEY
            return Data(base64Encoded: item.id).map { [.binary([UInt8]($0))] }
        case (.tag(0x0037), .string): return [.string(item.subject)]                        // PR_SUBJECT
        case (.tag(0x001A), .string): return [.string(item.itemClass)]                      // PR_MESSAGE_CLASS
        case (.name(let set, "Keywords"), .stringArray) where set == ExtendedPropertyKey.distinguishedSets["PublicStrings"]:
            return item.categories.isEmpty ? nil : item.categories.map(PropertyValue.string)
        default:
            return nil
        }
    }

    /// The creation counter inside an id the simulator made (nil for any other id).
    static func articleNumber(_ id: String) -> Int64? {
        guard let data = Data(base64Encoded: id), data.count >= 13 else { return nil }
        let n = [UInt8](data)[5..<13].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return Int64(truncatingIfNeeded: n & 0x7FFF_FFFF)
    }

    /// The MAPI properties a folder has: its name, class, counts and whether it has subfolders
    /// (DavMail reads folders by these tags). `counts` are (items, unread, subfolders).
    static func values(_ key: ExtendedPropertyKey, of folder: StoredFolder, counts: (Int, Int, Int)) -> [PropertyValue]? {
        switch (key.identity, key.type) {
        case (.tag(0x3001), .string): return [.string(folder.displayName)]                         // PR_DISPLAY_NAME
        case (.tag(0x3613), .string): return folder.folderClass.isEmpty ? nil : [.string(folder.folderClass)]  // PR_CONTAINER_CLASS
        case (.tag(0x3602), .integer): return [.integer(Int64(counts.0))]                          // PR_CONTENT_COUNT
        case (.tag(0x3603), .integer): return [.integer(Int64(counts.1))]                          // PR_CONTENT_UNREAD
        case (.tag(0x360A), .boolean): return [.boolean(counts.2 > 0)]                             // PR_SUBFOLDERS
        case (.tag(0x6638), .integer): return [.integer(Int64(counts.2))]                          // PR_FOLDER_CHILD_COUNT
        default: return nil
        }
    }
}
