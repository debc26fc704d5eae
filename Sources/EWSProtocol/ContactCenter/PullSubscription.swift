/// What Subscribe answers for a pull subscription: its id and the watermark to start from.
package struct PullSubscription: Sendable, Hashable {
    /// `SubscriptionId`.
    package var id: String
    /// `Watermark`: GetEvents reports what happened after it.
    package var watermark: String

    /// Creates the value.
    package init(id: String, watermark: String) {
        self.id = id
        self.watermark = watermark
    }
}
