import Foundation

/// Pull, streaming and push subscriptions of the tenant and the watermarks they handed out. A watermark names the
/// mailbox snapshot it was issued at; GetEvents reports what changed since then.
final class SubscriptionRegistry: @unchecked Sendable {
    struct Subscription: Sendable {
        var id: String
        var mailbox: String
        /// Who created it (the caller's and acting mailbox's addresses): only they may use it.
        var caller: String
        var folders: Set<String>?
        var eventTypes: Set<String>
        var timeoutMinutes: Int
        var lastUsed: Date
        /// A streaming subscription: the watermark of what its stream has reported, and which
        /// stream (the newest connection) may report it.
        var streaming = false
        var lastWatermark: String? = nil
        var streamToken = 0
        /// A push subscription: the callback its notifications are POSTed to (its
        /// `lastWatermark` is that of the last notification the callback took).
        var pushURL: String? = nil
    }

    // Invariant: every property below is read and written under `lock` only.
    private let lock = NSLock()
    private var subscriptions: [String: Subscription] = [:]
    private var watermarks: [String: (mailbox: String, snapshot: MailboxSnapshot)] = [:]
    private var order: [String] = []
    private var counter: UInt64 = 0
    private var clockOffset: TimeInterval = 0
    private var firstReportable: [String: Date] = [:]

    /// How many watermarks are remembered (older ones are `ErrorInvalidWatermark`).
    static let watermarkMemory = 500

    /// The registry's clock (tests move it forward to expire subscriptions).
    var now: Date { lock.withLock { Date().addingTimeInterval(clockOffset) } }

    func advanceClock(by seconds: TimeInterval) { lock.withLock { clockOffset += seconds } }

    /// A new watermark for a snapshot of `mailbox`.
    func watermark(for snapshot: MailboxSnapshot, mailbox: String) -> String {
        lock.withLock {
            counter += 1
            var bytes: [UInt8] = [0, 0, 0, 0]
            withUnsafeBytes(of: counter.bigEndian) { bytes += $0 }
            bytes.append(1)
            let mark = Data(bytes).base64EncodedString()
            watermarks[mark] = (mailbox, snapshot)
            order.append(mark)
            if order.count > Self.watermarkMemory {
                for old in order.prefix(order.count - Self.watermarkMemory) { watermarks[old] = nil }
                order.removeFirst(order.count - Self.watermarkMemory)
            }
            return mark
        }
    }

    func snapshot(at watermark: String, mailbox: String) -> MailboxSnapshot? {
        lock.withLock { watermarks[watermark].flatMap { $0.mailbox == mailbox ? $0.snapshot : nil } }
    }

    /// When an event (named by `key`) was first found reportable; `date` the first time it is asked.
    func firstReportable(_ key: String, at date: Date) -> Date {
        lock.withLock {
            if let seen = firstReportable[key] { return seen }
            firstReportable[key] = date
            return date
        }
    }

    func add(_ subscription: Subscription) { lock.withLock { subscriptions[subscription.id] = subscription } }

    /// How many subscriptions on `mailbox` have not expired at `date`.
    func liveCount(mailbox: String, at date: Date) -> Int {
        lock.withLock {
            subscriptions.values.filter { $0.mailbox == mailbox && date.timeIntervalSince($0.lastUsed) <= Double($0.timeoutMinutes * 60) }.count
        }
    }

    func subscription(_ id: String) -> Subscription? { lock.withLock { subscriptions[id] } }

    func touch(_ id: String, at date: Date) { lock.withLock { subscriptions[id]?.lastUsed = date } }

    /// Changes a subscription in place; nil when there is no such subscription.
    @discardableResult
    func update(_ id: String, _ body: (inout Subscription) -> Void) -> Subscription? {
        lock.withLock {
            guard var sub = subscriptions[id] else { return nil }
            body(&sub)
            subscriptions[id] = sub
            return sub
        }
    }

    @discardableResult
    func remove(_ id: String) -> Subscription? { lock.withLock { subscriptions.removeValue(forKey: id) } }
}
