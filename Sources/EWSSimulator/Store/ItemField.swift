import Foundation

/// A property of a stored item that restrictions and sort orders can name by `FieldURI`, with the
/// type its constants are read as and how its values are read from an item (several values for
/// multi-valued properties, none when it is not set).
struct ItemField: Sendable {
    var uri: String
    var type: MapiPropertyType
    var values: @Sendable (StoredItem) -> [PropertyValue]

    /// The fields the simulator can filter and sort on. A restriction or sort on any other path
    /// is refused with `ErrorUnsupportedPathForQuery` / `ErrorUnsupportedPathForSortGroup`.
    static let queryable: [String: ItemField] = {
        var all: [ItemField] = [
            ItemField(uri: "item:Subject", type: .string) { [.string($0.subject)] },
            ItemField(uri: "item:ItemClass", type: .string) { [.string($0.itemClass)] },
            ItemField(uri: "item:Body", type: .string) { [.string($0.body)] },
            ItemField(uri: "item:DateTimeReceived", type: .systemTime) { [.date($0.received)] },
            ItemField(uri: "item:DateTimeSent", type: .systemTime) { [.date($0.received)] },
            ItemField(uri: "item:DateTimeCreated", type: .systemTime) { [.date($0.created)] },
            ItemField(uri: "item:LastModifiedTime", type: .systemTime) { [.date($0.lastModified ?? $0.created)] },
            ItemField(uri: "item:Size", type: .integer) { [.integer(Int64($0.size))] },
            ItemField(uri: "item:Importance", type: .string) { [.string($0.importance)] },
            ItemField(uri: "item:Sensitivity", type: .string) { [.string($0.sensitivity)] },
            ItemField(uri: "item:HasAttachments", type: .boolean) { [.boolean($0.attachments.contains { !$0.isInline })] },
            ItemField(uri: "item:IsDraft", type: .boolean) { [.boolean($0.isDraft)] },
            ItemField(uri: "item:Categories", type: .string) { $0.categories.map(PropertyValue.string) },
            ItemField(uri: "item:DisplayTo", type: .string) { [.string(ItemField.display($0.displayTo))] },
            ItemField(uri: "item:DisplayCc", type: .string) { [.string(ItemField.display($0.displayCc))] },
            ItemField(uri: "message:IsRead", type: .boolean) { [.boolean($0.isRead)] },
            // An address matches by SMTP address or display name, as Exchange resolves the constant.
            ItemField(uri: "message:From", type: .string) { ItemField.address($0.from) },
            ItemField(uri: "message:Sender", type: .string) { ItemField.address($0.sender ?? $0.from) },
            ItemField(uri: "calendar:Start", type: .systemTime) { $0.calendar.map { [.date($0.start)] } ?? [] },
            ItemField(uri: "calendar:End", type: .systemTime) { $0.calendar.map { [.date($0.end)] } ?? [] },
            ItemField(uri: "calendar:Location", type: .string) { $0.calendar?.location.map { [.string($0)] } ?? [] },
            ItemField(uri: "calendar:IsAllDayEvent", type: .boolean) { $0.calendar.map { [.boolean($0.isAllDay)] } ?? [] },
            ItemField(uri: "calendar:LegacyFreeBusyStatus", type: .string) { $0.calendar.map { [.string($0.freeBusy)] } ?? [] },
            ItemField(uri: "calendar:UID", type: .string) { $0.calendar.map { [.string($0.uid)] } ?? [] },
            ItemField(uri: "calendar:IsRecurring", type: .boolean) { $0.calendar.map { [.boolean($0.originalStart != nil)] } ?? [] },
            ItemField(uri: "calendar:CalendarItemType", type: .string) { $0.calendar.map { [.string($0.itemType)] } ?? [] },
            ItemField(uri: "contacts:DisplayName", type: .string) { $0.contact?.strings["DisplayName"].map { [.string($0)] } ?? [] },
            ItemField(uri: "contacts:GivenName", type: .string) { $0.contact?.strings["GivenName"].map { [.string($0)] } ?? [] },
            ItemField(uri: "contacts:Surname", type: .string) { $0.contact?.strings["Surname"].map { [.string($0)] } ?? [] },
            ItemField(uri: "contacts:CompanyName", type: .string) { $0.contact?.strings["CompanyName"].map { [.string($0)] } ?? [] },
            ItemField(uri: "contacts:FileAs", type: .string) { $0.contact?.strings["FileAs"].map { [.string($0)] } ?? [] },
        ]
        for simple in SimpleItemProperty.all where simple.queryable {
            all.append(ItemField(uri: simple.uri, type: simple.type) { item in item.simple[simple.element].map { [$0] } ?? [] })
        }
        return Dictionary(all.map { ($0.uri, $0) }, uniquingKeysWith: { a, _ in a })
    }()

    static func display(_ addresses: [StoredAddress]) -> String {
        addresses.map { $0.name ?? $0.email }.joined(separator: "; ")
    }

    static func address(_ a: StoredAddress?) -> [PropertyValue] {
        guard let a else { return [] }
        return [.string(a.email)] + (a.name.map { [.string($0)] } ?? [])
    }
}

/// A property of `t:ItemType`/`t:MessageType` that is a single simple value a client may set on
/// CreateItem and read back: stored as given (normalised by type) and written back in schema order.
struct SimpleItemProperty: Sendable {
    var element: String
    var uri: String
    var type: MapiPropertyType
    var queryable: Bool

    static let all: [SimpleItemProperty] = [
        .init(element: "InReplyTo", uri: "item:InReplyTo", type: .string, queryable: true),
        .init(element: "ReminderDueBy", uri: "item:ReminderDueBy", type: .systemTime, queryable: true),
        .init(element: "ReminderIsSet", uri: "item:ReminderIsSet", type: .boolean, queryable: true),
        .init(element: "ReminderMinutesBeforeStart", uri: "item:ReminderMinutesBeforeStart", type: .integer, queryable: true),
        .init(element: "Culture", uri: "item:Culture", type: .string, queryable: false),
        .init(element: "IsReadReceiptRequested", uri: "message:IsReadReceiptRequested", type: .boolean, queryable: true),
        .init(element: "IsDeliveryReceiptRequested", uri: "message:IsDeliveryReceiptRequested", type: .boolean, queryable: true),
        .init(element: "ConversationTopic", uri: "message:ConversationTopic", type: .string, queryable: true),
        .init(element: "InternetMessageId", uri: "message:InternetMessageId", type: .string, queryable: true),
        .init(element: "IsResponseRequested", uri: "message:IsResponseRequested", type: .boolean, queryable: true),
        .init(element: "References", uri: "message:References", type: .string, queryable: true),
    ]

    static let byElement: [String: SimpleItemProperty] = Dictionary(all.map { ($0.element, $0) }, uniquingKeysWith: { a, _ in a })
}
