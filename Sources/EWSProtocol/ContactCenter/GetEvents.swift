/// GetEvents of a pull subscription from a watermark: one response message with one
/// `Notification` (the events after the watermark, or a `StatusEvent` when there are none).
package struct GetEvents: EWSOperation {
    package static let name = "GetEvents"
    /// The subscription.
    package var subscriptionID: String
    /// The watermark the previous answer (or Subscribe) ended with.
    package var watermark: String

    /// Creates the operation.
    package init(subscriptionID: String, watermark: String) {
        self.subscriptionID = subscriptionID
        self.watermark = watermark
    }

    package var bodyXML: String {
        "<m:GetEvents><m:SubscriptionId>\(subscriptionID.xmlEscaped)</m:SubscriptionId><m:Watermark>\(watermark.xmlEscaped)</m:Watermark></m:GetEvents>"
    }

    package func payload(in message: ResponseElement) -> EventNotification? {
        message.element.child("Notification").map(EventNotification.read)
    }
}
