/// What a Subscribe request watches: folders of the acting mailbox and the event types asked for.
/// The pull and the streaming request share it and differ only in their element's name and in
/// what follows the event types (a pull subscription's timeout).
package struct SubscriptionScope: Sendable, Hashable {
    /// The folders to watch.
    package var folders: [FolderIdentifier]
    /// The event types (`NewMailEvent`, `CreatedEvent`, `ModifiedEvent`, …).
    package var eventTypes: [String]

    /// Creates the scope.
    package init(folders: [FolderIdentifier], eventTypes: [String]) {
        self.folders = folders
        self.eventTypes = eventTypes
    }

    /// The body of a Subscribe whose request element is `request` (`PullSubscriptionRequest`, …):
    /// the folders, the event types, then `trailing` (elements the schema puts after them).
    package func subscribeXML(request: String, trailing: String = "") -> String {
        "<m:Subscribe><m:\(request)><t:FolderIds>" + folders.map(\.xml).joined() + "</t:FolderIds><t:EventTypes>"
            + eventTypes.map { "<t:EventType>\($0.xmlEscaped)</t:EventType>" }.joined()
            + "</t:EventTypes>\(trailing)</m:\(request)></m:Subscribe>"
    }
}
