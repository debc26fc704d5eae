/// Subscribe with a `StreamingSubscriptionRequest` on folders of the acting mailbox (what a client
/// that keeps a GetStreamingEvents connection open holds per mailbox): the subscription id (a
/// streaming subscription hands out no watermark).
package struct StreamingSubscribe: EWSOperation {
    package static let name = "Subscribe"
    /// The folders and event types watched.
    package var scope: SubscriptionScope

    /// Creates the operation.
    package init(folders: [FolderIdentifier], eventTypes: [String]) {
        scope = SubscriptionScope(folders: folders, eventTypes: eventTypes)
    }

    package var bodyXML: String { scope.subscribeXML(request: "StreamingSubscriptionRequest") }

    package func payload(in message: ResponseElement) -> String? {
        guard let id = message.element.child("SubscriptionId")?.text, !id.isEmpty else { return nil }
        return id
    }
}
