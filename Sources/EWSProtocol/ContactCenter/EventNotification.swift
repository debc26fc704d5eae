/// One `Notification` of GetEvents (or of a GetStreamingEvents batch): the events in order,
/// each with the watermark after it.
package struct EventNotification: Sendable, Hashable {
    /// One event (`NewMailEvent`, `CreatedEvent`, `ModifiedEvent`, `StatusEvent`, …).
    package struct Event: Sendable, Hashable {
        /// The element name (`CreatedEvent`).
        package var kind: String
        /// The watermark after this event.
        package var watermark: String?
        /// `TimeStamp`, as sent.
        package var timeStamp: String?
        /// The item's id (absent for folder and status events).
        package var itemID: String?
        /// The folder's id, for folder events.
        package var folderID: String?
        /// `ParentFolderId`.
        package var parentFolderID: String?
    }

    /// `SubscriptionId`.
    package var subscriptionID: String?
    /// `PreviousWatermark`: the watermark this notification continues from.
    package var previousWatermark: String?
    /// `MoreEvents`: the provider holds more events after these.
    package var moreEvents: Bool
    /// The events, in order.
    package var events: [Event]

    /// The watermark to continue from: the last event's.
    package var lastWatermark: String? { events.last?.watermark }

    static func read(_ e: XMLElement) -> EventNotification {
        let skip: Set<String> = ["SubscriptionId", "PreviousWatermark", "MoreEvents"]
        let events = e.children.filter { !skip.contains($0.name) }.map { x in
            Event(kind: x.name, watermark: x.child("Watermark")?.text, timeStamp: x.child("TimeStamp")?.text,
                  itemID: x.child("ItemId")?.attribute("Id"), folderID: x.child("FolderId")?.attribute("Id"),
                  parentFolderID: x.child("ParentFolderId")?.attribute("Id"))
        }
        return EventNotification(subscriptionID: e.child("SubscriptionId")?.text, previousWatermark: e.child("PreviousWatermark")?.text,
                                 moreEvents: e.child("MoreEvents")?.text == "true", events: events)
    }
}
