/// Subscribe with a `StreamingSubscriptionRequest` on folders of the acting mailbox (what a client
/// that keeps a GetStreamingEvents connection open holds per mailbox): the subscription id (a
/// streaming subscription hands out no watermark).
package struct StreamingSubscribe: EWSOperation {
    package static let name = "Subscribe"
    /// The folders to watch.
    package var folders: [FolderIdentifier]
    /// The event types (`NewMailEvent`, `CreatedEvent`, `ModifiedEvent`, …).
    package var eventTypes: [String]

    /// Creates the operation.
    package init(folders: [FolderIdentifier], eventTypes: [String]) {
        self.folders = folders
        self.eventTypes = eventTypes
    }

    package var bodyXML: String {
        "<m:Subscribe><m:StreamingSubscriptionRequest><t:FolderIds>" + folders.map(\.xml).joined() + "</t:FolderIds><t:EventTypes>"
            + eventTypes.map { "<t:EventType>\($0.xmlEscaped)</t:EventType>" }.joined()
            + "</t:EventTypes></m:StreamingSubscriptionRequest></m:Subscribe>"
    }

    package func payload(in message: ResponseElement) -> String? {
        guard let id = message.element.child("SubscriptionId")?.text, !id.isEmpty else { return nil }
        return id
    }
}
