/// One GetStreamingEvents response message: the notifications of a batch (none in a keep-alive)
/// and the `ConnectionStatus` (`OK` while open, `Closed` on the last one).
package struct StreamingEvents: Sendable, Hashable {
    /// The notifications, one per subscription with events.
    package var notifications: [EventNotification]
    /// `ConnectionStatus`, when sent.
    package var connectionStatus: String?

    /// Creates the value.
    package init(notifications: [EventNotification], connectionStatus: String?) {
        self.notifications = notifications
        self.connectionStatus = connectionStatus
    }
}
