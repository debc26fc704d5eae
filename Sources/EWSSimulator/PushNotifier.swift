private import EWSExecutor
import EWSProtocol
import EWSTransport
import Foundation
import Synchronization

/// Delivers the notifications of push subscriptions as Exchange does: each subscription gets a
/// task (off the NIO event loops) that POSTs a `SendNotification` request to the callback URL
/// when its folders change, and one with a `StatusEvent` when nothing was sent for
/// StatusFrequency. The callback's `SendNotificationResult` keeps the subscription (`OK`) or ends
/// it (`Unsubscribe`). A callback that fails (no connection, no answer in time, a status other
/// than 200, no readable result) gets the same notification again after 30 s, then after doubling
/// times (30 s, 1, 2, 4 … min after the first attempt); a retry that would fall past StatusFrequency
/// is not made and the subscription ends (MSDOCS `statusfrequency.md`; what happens to events
/// after the end is inferred: they are dropped with the subscription). Requests carry no
/// credentials, and the URL was checked to be http or https without user information.
final class PushNotifier: Sendable {
    /// The timings, shortened by tests through ``SimulatorConfiguration``.
    struct Timing: Sendable {
        /// Replaces StatusFrequency (minutes) as the status interval and retry window, in seconds.
        var statusSeconds: Int?
        /// When the first retry is made after a failed attempt (Exchange: 30 s).
        var firstRetryMilliseconds = 30_000
        /// How long a callback may take to answer.
        var responseTimeoutSeconds: Double = 30
        /// How often a subscription's folders are looked at for changes.
        var pollMilliseconds = 25
    }

    private struct State {
        var tasks: [String: Task<Void, Never>] = [:]
        var stopped = false
    }

    let timing: Timing
    private let transport: HTTPTransport
    private let state = Mutex(State())

    init(timing: Timing) {
        self.timing = timing
        var configuration = HTTPTransportConfiguration(
            credentials: .none,
            timeout: .init(connect: min(10, timing.responseTimeoutSeconds), request: timing.responseTimeoutSeconds), connections: 2)
        configuration.maxResponseBytes = 64 * 1024
        configuration.userAgent = "ExchangeServicesClient/15.01.2507.000"
        transport = HTTPTransport(configuration: configuration)
    }

    /// Starts delivering the notifications of push subscription `id` to `url`.
    func start(_ id: String, url: String, statusFrequencyMinutes: Int, service: EWSService) {
        let window = TimeInterval(timing.statusSeconds ?? statusFrequencyMinutes * 60)
        let timing = timing
        let transport = transport
        state.locked { s in
            guard !s.stopped else { return }
            s.tasks[id] = Task.detached {
                await Self.run(id, url: url, window: window, timing: timing, transport: transport, service: service)
            }
        }
    }

    /// Stops every delivery and waits for the tasks to end.
    func stop() async {
        let tasks = state.locked { s -> [Task<Void, Never>] in
            s.stopped = true
            defer { s.tasks = [:] }
            return Array(s.tasks.values)
        }
        for task in tasks { task.cancel() }
        for task in tasks { await task.value }
        transport.shutdown()
    }

    /// What a callback said to a notification.
    enum Result: Equatable {
        case ok, unsubscribe, failed
    }

    private static func run(_ id: String, url: String, window: TimeInterval, timing: Timing, transport: HTTPTransport,
                            service: EWSService) async {
        let registry = service.tenant.subscriptions
        var lastSent = Date()
        while !Task.isCancelled {
            guard let sub = registry.subscription(id) else { return }
            let current = service.snapshot(sub.mailbox)
            let previous = sub.lastWatermark ?? registry.watermark(for: current, mailbox: sub.mailbox)
            let old = registry.snapshot(at: previous, mailbox: sub.mailbox) ?? current
            let events = EWSService.events(for: sub, from: old, to: current)
            guard !events.isEmpty || Date().timeIntervalSince(lastSent) >= window else {
                try? await Task.sleep(for: .milliseconds(timing.pollMilliseconds))
                continue
            }
            let next = registry.watermark(for: current, mailbox: sub.mailbox)
            let body = service.sendNotification(sub, previous: previous, events: events, old: old, current: current, next: next)
            let firstAttempt = Date()
            var retries = 0
            var result = await post(body, to: url, transport: transport)
            while result == .failed {
                retries += 1
                let due = Double(timing.firstRetryMilliseconds) / 1000 * pow(2, Double(retries - 1))
                guard due <= window else {
                    registry.remove(id)
                    return
                }
                let wait = firstAttempt.addingTimeInterval(due).timeIntervalSinceNow
                if wait > 0 { try? await Task.sleep(for: .milliseconds(Int(wait * 1000))) }
                guard !Task.isCancelled, registry.subscription(id) != nil else { return }
                result = await post(body, to: url, transport: transport)
            }
            if result == .unsubscribe {
                registry.remove(id)
                return
            }
            let now = registry.now
            registry.update(id) {
                $0.lastWatermark = next
                $0.lastUsed = now
            }
            lastSent = Date()
        }
    }

    /// POSTs one notification and reads the `SendNotificationResult`.
    static func post(_ body: String, to url: String, transport: HTTPTransport) async -> Result {
        let request = HTTPRequest(method: "POST", url: url, headers: [
            HTTPHeader("Content-Type", "text/xml; charset=utf-8"),
            HTTPHeader("SOAPAction", "\"http://schemas.microsoft.com/exchange/services/2006/messages/SendNotification\""),
            // No `Expect: 100-continue` round trip (libcurl's default for larger bodies).
            HTTPHeader("Expect", ""),
        ], body: Array(body.utf8))
        guard let response = try? await transport.send(request, sendCredentials: false), response.status == 200,
              let tree = try? XMLTree(parsing: response.body, maxBytes: 64 * 1024), let root = tree.root,
              let result = root.child("Body", EWSNamespace.soap)?.children.first, result.name == "SendNotificationResult",
              let status = result.child("SubscriptionStatus")?.text.trimmingCharacters(in: .whitespacesAndNewlines) else {
            return .failed
        }
        switch status {
        case "OK": return .ok
        case "Unsubscribe": return .unsubscribe
        default: return .failed
        }
    }
}
