/// Subscribe with a `PullSubscriptionRequest` on folders of the acting mailbox (what a client
/// that polls for new voicemail holds per mailbox): the subscription id and the first watermark.
package struct PullSubscribe: EWSOperation {
    package static let name = "Subscribe"
    /// The folders and event types watched.
    package var scope: SubscriptionScope
    /// Minutes without GetEvents before the subscription expires (1–1440).
    package var timeoutMinutes: Int

    /// Creates the operation.
    package init(folders: [FolderIdentifier], eventTypes: [String], timeoutMinutes: Int = 10) {
        scope = SubscriptionScope(folders: folders, eventTypes: eventTypes)
        self.timeoutMinutes = timeoutMinutes
    }

    package var bodyXML: String {
        scope.subscribeXML(request: "PullSubscriptionRequest", trailing: "<t:Timeout>\(timeoutMinutes)</t:Timeout>")
    }

    package func payload(in message: ResponseElement) -> PullSubscription? {
        guard let id = message.element.child("SubscriptionId")?.text, !id.isEmpty,
              let mark = message.element.child("Watermark")?.text, !mark.isEmpty else { return nil }
        return PullSubscription(id: id, watermark: mark)
    }
}
