/// Subscribe with a `PullSubscriptionRequest` on folders of the acting mailbox (what a client
/// that polls for new voicemail holds per mailbox): the subscription id and the first watermark.
package struct PullSubscribe: EWSOperation {
    package static let name = "Subscribe"
    /// The folders to watch.
    package var folders: [FolderIdentifier]
    /// The event types (`NewMailEvent`, `CreatedEvent`, `ModifiedEvent`, …).
    package var eventTypes: [String]
    /// Minutes without GetEvents before the subscription expires (1–1440).
    package var timeoutMinutes: Int

    /// Creates the operation.
    package init(folders: [FolderIdentifier], eventTypes: [String], timeoutMinutes: Int = 10) {
        self.folders = folders
        self.eventTypes = eventTypes
        self.timeoutMinutes = timeoutMinutes
    }

    package var bodyXML: String {
        "<m:Subscribe><m:PullSubscriptionRequest><t:FolderIds>" + folders.map(\.xml).joined() + "</t:FolderIds><t:EventTypes>"
            + eventTypes.map { "<t:EventType>\($0.xmlEscaped)</t:EventType>" }.joined()
            + "</t:EventTypes><t:Timeout>\(timeoutMinutes)</t:Timeout></m:PullSubscriptionRequest></m:Subscribe>"
    }

    package func payload(in message: ResponseElement) -> PullSubscription? {
        guard let id = message.element.child("SubscriptionId")?.text, !id.isEmpty,
              let mark = message.element.child("Watermark")?.text, !mark.isEmpty else { return nil }
        return PullSubscription(id: id, watermark: mark)
    }
}
