private import EWSExecutor
import EWSProtocol
import Foundation
import Synchronization

/// What one GetStreamingEvents connection showed, recorded as it arrived (on the transport's
/// thread), read by the check that waits for its events; it can have the connection closed as
/// soon as the last event the check needs has come.
final class EventStreamWatch: Sendable {
    /// One event as it arrived.
    struct Arrival {
        var kind: String
        var itemID: String?
        var at: ContinuousClock.Instant
    }

    /// Everything seen so far.
    struct Seen {
        /// The answer's status and whether it came in chunks, when its head arrived.
        var head: (status: Int, chunked: Bool, at: ContinuousClock.Instant)?
        var events: [Arrival] = []
        /// `ConnectionStatus` of each envelope that had one, in order.
        var statuses: [String] = []
        /// Response codes of envelopes that answered with an error (a lost subscription, a newer stream).
        var errors: [String] = []
        var envelopes = 0
        /// Envelopes that could not be read as EWS.
        var unreadable: [String] = []
        /// How the stream ended, once it has.
        var end: EventStreamEnd?
    }

    private struct State {
        var seen = Seen()
        /// Close the connection once one of these kinds has arrived for this item.
        var closeOn: (kinds: Set<String>, item: String)?
    }

    private let state = Mutex(State())

    /// Records one part of the stream; false asks to close the connection.
    func take(_ part: EventStreamPart) -> Bool {
        let now = ContinuousClock.now
        return state.locked { s in
            switch part {
            case .head(let status, let chunked):
                s.seen.head = (status, chunked, now)
            case .envelope(let call):
                s.seen.envelopes += 1
                switch call.outcome {
                case .responses(let messages):
                    for m in messages {
                        if m.responseClass == .error { s.seen.errors.append(m.responseCode) }
                        guard let batch = m.payload else { continue }
                        if let status = batch.connectionStatus { s.seen.statuses.append(status) }
                        for n in batch.notifications {
                            for e in n.events { s.seen.events.append(Arrival(kind: e.kind, itemID: e.itemID, at: now)) }
                        }
                    }
                default:
                    s.seen.unreadable.append(call.summary)
                }
            }
            guard let close = s.closeOn else { return true }
            return !s.seen.events.contains { $0.itemID == close.item && close.kinds.contains($0.kind) }
        }
    }

    /// Has the connection closed once one of `kinds` has arrived for `item` (at once if it has).
    func closeWhenSeen(_ kinds: Set<String>, item: String) {
        state.locked { $0.closeOn = (kinds, item) }
    }

    /// Records how the stream ended.
    func finish(_ end: EventStreamEnd) {
        state.locked { $0.seen.end = end }
    }

    /// What was seen so far.
    var seen: Seen { state.locked { $0.seen } }

    /// The first arrival of each of `kinds` for `item`.
    func arrivals(_ kinds: Set<String>, item: String) -> [String: ContinuousClock.Instant] {
        state.locked { s in
            var first: [String: ContinuousClock.Instant] = [:]
            for e in s.seen.events where e.itemID == item && kinds.contains(e.kind) && first[e.kind] == nil { first[e.kind] = e.at }
            return first
        }
    }
}
