private import EWSExecutor
import Foundation
import Synchronization

/// Pull, streaming and push subscriptions of the tenant and the watermarks they handed out. A watermark names the
/// mailbox snapshot it was issued at; GetEvents reports what changed since then.
final class SubscriptionRegistry: Sendable {
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

    private struct State {
        var subscriptions: [String: Subscription] = [:]
        var watermarks: [String: (mailbox: String, snapshot: MailboxSnapshot)] = [:]
        var order: [String] = []
        var counter: UInt64 = 0
        var clockOffset: TimeInterval = 0
        var firstReportable: [String: Date] = [:]
    }

    private let state = Mutex(State())
    /// Tests waiting for a subscription to change (``wait(for:timeout:until:)``).
    private let changes = StateWaiters<[String: Subscription]>()

    /// How many watermarks are remembered (older ones are `ErrorInvalidWatermark`).
    static let watermarkMemory = 500

    /// The registry's clock (tests move it forward to expire subscriptions).
    var now: Date { state.locked { s in Date().addingTimeInterval(s.clockOffset) } }

    func advanceClock(by seconds: TimeInterval) { state.locked { s in s.clockOffset += seconds } }

    /// A new watermark for a snapshot of `mailbox`.
    func watermark(for snapshot: MailboxSnapshot, mailbox: String) -> String {
        state.locked { s in
            s.counter += 1
            var bytes: [UInt8] = [0, 0, 0, 0]
            withUnsafeBytes(of: s.counter.bigEndian) { bytes += $0 }
            bytes.append(1)
            let mark = Data(bytes).base64EncodedString()
            s.watermarks[mark] = (mailbox, snapshot)
            s.order.append(mark)
            if s.order.count > Self.watermarkMemory {
                for old in s.order.prefix(s.order.count - Self.watermarkMemory) { s.watermarks[old] = nil }
                s.order.removeFirst(s.order.count - Self.watermarkMemory)
            }
            return mark
        }
    }

    func snapshot(at watermark: String, mailbox: String) -> MailboxSnapshot? {
        state.locked { s in s.watermarks[watermark].flatMap { $0.mailbox == mailbox ? $0.snapshot : nil } }
    }

    /// When an event (named by `key`) was first found reportable; `date` the first time it is asked.
    func firstReportable(_ key: String, at date: Date) -> Date {
        state.locked { s in
            if let seen = s.firstReportable[key] { return seen }
            s.firstReportable[key] = date
            return date
        }
    }

    func add(_ subscription: Subscription) {
        state.locked { s in s.subscriptions[subscription.id] = subscription }
        reportChange()
    }

    /// How many subscriptions on `mailbox` have not expired at `date`.
    func liveCount(mailbox: String, at date: Date) -> Int {
        state.locked { s in
            s.subscriptions.values.filter { $0.mailbox == mailbox && date.timeIntervalSince($0.lastUsed) <= Double($0.timeoutMinutes * 60) }.count
        }
    }

    /// Live subscriptions made by one account (``Subscription/caller`` starts with `callerPrefix`,
    /// the account's address and a slash), whichever mailbox each is for.
    func liveCount(callerPrefix: String, at date: Date) -> Int {
        state.locked { s in
            s.subscriptions.values.filter { $0.caller.hasPrefix(callerPrefix) && date.timeIntervalSince($0.lastUsed) <= Double($0.timeoutMinutes * 60) }.count
        }
    }

    func subscription(_ id: String) -> Subscription? { state.locked { s in s.subscriptions[id] } }

    func touch(_ id: String, at date: Date) {
        state.locked { s in s.subscriptions[id]?.lastUsed = date }
        reportChange()
    }

    /// Changes a subscription in place; nil when there is no such subscription.
    @discardableResult
    func update(_ id: String, _ body: (inout Subscription) -> Void) -> Subscription? {
        let updated: Subscription? = state.locked { s in
            guard var sub = s.subscriptions[id] else { return nil }
            body(&sub)
            s.subscriptions[id] = sub
            return sub
        }
        reportChange()
        return updated
    }

    @discardableResult
    func remove(_ id: String) -> Subscription? {
        let removed = state.locked { s in s.subscriptions.removeValue(forKey: id) }
        reportChange()
        return removed
    }

    /// Waits until `condition` holds for subscription `id` (nil once it is gone or before it exists):
    /// true as soon as a change makes it so, or false after `timeout`. What tests wait on for a
    /// subscription the simulator ends or a stream it hands over, instead of polling.
    @discardableResult
    func wait(for id: String, timeout: Duration = .seconds(30), until condition: @escaping @Sendable (Subscription?) -> Bool) async -> Bool {
        await changes.wait(timeout: timeout, current: { [self] in state.locked { $0.subscriptions } }, until: { condition($0[id]) })
    }

    /// How many tasks wait on a subscription (for tests of the event itself).
    var waiting: Int { changes.count }

    /// Hands the subscriptions as they are now to the waiting tests (none waiting: nothing copied).
    private func reportChange() {
        guard changes.isWaiting else { return }
        changes.changed(state.locked { $0.subscriptions })
    }
}
