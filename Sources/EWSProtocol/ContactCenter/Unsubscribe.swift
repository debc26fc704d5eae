/// Unsubscribe: ends a pull or streaming subscription.
package struct Unsubscribe: EWSOperation {
    package static let name = "Unsubscribe"
    /// The subscription.
    package var subscriptionID: String

    /// Creates the operation.
    package init(subscriptionID: String) { self.subscriptionID = subscriptionID }

    package var bodyXML: String { "<m:Unsubscribe><m:SubscriptionId>\(subscriptionID.xmlEscaped)</m:SubscriptionId></m:Unsubscribe>" }

    package func payload(in message: ResponseElement) -> NoPayload? { NoPayload() }
}
