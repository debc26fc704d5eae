/// GetStreamingEvents: opens a connection the server keeps open for `connectionTimeoutMinutes`,
/// writing one SOAP envelope per batch of events (and a `ConnectionStatus` OK keep-alive when
/// idle), the last one with `ConnectionStatus` Closed. Each envelope is read as an answer of
/// this operation (see ``EWSClient/stream(_:impersonating:window:onPart:)``).
package struct GetStreamingEvents: EWSOperation {
    package static let name = "GetStreamingEvents"
    /// The streaming subscriptions to listen to.
    package var subscriptionIDs: [String]
    /// Minutes the server keeps the connection open (1–30).
    package var connectionTimeoutMinutes: Int

    /// Creates the operation.
    package init(subscriptionIDs: [String], connectionTimeoutMinutes: Int = 1) {
        self.subscriptionIDs = subscriptionIDs
        self.connectionTimeoutMinutes = connectionTimeoutMinutes
    }

    package var bodyXML: String {
        "<m:GetStreamingEvents><m:SubscriptionIds>"
            + subscriptionIDs.map { "<t:SubscriptionId>\($0.xmlEscaped)</t:SubscriptionId>" }.joined()
            + "</m:SubscriptionIds><m:ConnectionTimeout>\(connectionTimeoutMinutes)</m:ConnectionTimeout></m:GetStreamingEvents>"
    }

    package func payload(in message: ResponseElement) -> StreamingEvents? {
        let notifications = message.element.child("Notifications")?.children("Notification").map(EventNotification.read) ?? []
        return StreamingEvents(notifications: notifications, connectionStatus: message.element.child("ConnectionStatus")?.text)
    }
}
