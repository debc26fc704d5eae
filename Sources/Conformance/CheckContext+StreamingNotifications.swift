import EWSProtocol
import EWSTransport
import Foundation

extension CheckContext {
    /// Subscribe (streaming) on the Inbox, one GetStreamingEvents connection read as it arrives
    /// while an unread voicemail is created and marked read, each event timed from the change's
    /// answer; the connection closed as soon as the last event came; then Unsubscribe.
    func streamingNotifications(_ mailbox: String) async -> Verdict {
        let limit = target.notificationLatencyMilliseconds
        let sid = connectingSID(mailbox)
        let (subscription, subscribe): (String, EWSCall<String>)
        switch await subscribeInbox(StreamingSubscribe(folders: [.inbox], eventTypes: Self.lampEventTypes), of: mailbox,
                                    kind: "streaming", required: "a SubscriptionId", as: sid) {
        case .success(let made): (subscription, subscribe) = made
        case .failure(let box): return box.verdict
        }
        let watch = EventStreamWatch()
        let bound = limit + max(limit, 2000)
        // The server keeps the connection up to the ConnectionTimeout (1 minute at least); the
        // client closes it once it has its events, or when both waits could have run out.
        let window = Double(2 * bound + 10_000) / 1000
        let client = client
        let open = GetStreamingEvents(subscriptionIDs: [subscription], connectionTimeoutMinutes: 1)
        let stream = Task {
            let end = await client.stream(open, impersonating: sid, window: window, onPart: watch.take)
            watch.finish(end)
            return end
        }
        var verdict = await watchStreamedLamp(mailbox, watch: watch, limit: limit, bound: bound)
        // Hang up if the check ended with the connection still open (a failure), then read how it ended.
        stream.cancel()
        let end = await stream.value
        verdict.exchanges.insert(contentsOf: [subscribe.exchange].compactMap { $0 }, at: 0)
        if let x = end.call.exchange { verdict.exchanges.append(x) }
        let seen = watch.seen
        verdict.facts["latency_limit_ms"] = String(limit)
        verdict.facts["stream_envelopes"] = String(end.envelopes)
        verdict.facts["stream_ending"] = end.ending?.rawValue ?? "transport error"
        verdict.facts["stream_chunked"] = seen.head.map { String($0.chunked) } ?? "no head"
        verdict.facts["connection_status"] = seen.statuses.isEmpty ? "none" : Self.counted(seen.statuses)
        await unsubscribe(subscription, as: sid, after: &verdict)
        return verdict
    }

    /// The streamed events of one voicemail: CreatedEvent/NewMailEvent after CreateItem,
    /// ModifiedEvent after UpdateItem IsRead=true, each timed from the change's answer.
    private func watchStreamedLamp(_ mailbox: String, watch: EventStreamWatch, limit: Int, bound: Int) async -> Verdict {
        var evidence: [HTTPExchange?] = []
        do throws(VerdictBox) {
            let (created, x1) = try await createVoicemail(mailbox, by: CheckCatalog.notificationsStreaming, note: "streamed notification").get()
            let createdAt = ContinuousClock.now
            evidence.append(x1)
            let item = created.item.id
            let arrival = await Self.awaitEvents(watch, ["CreatedEvent", "NewMailEvent"], item: item, after: createdAt, bound: bound)
            var latencies = arrival
            var facts = Self.latencyFacts(latencies, limit: limit)
            guard let first = arrival.min(by: { $0.value < $1.value }) else {
                return .failed(Self.missing("no CreatedEvent or NewMailEvent for the new voicemail (ItemId …\(item.suffix(12)))", after: "the CreateItem answer",
                                            watch.seen, bound: bound, light: "the lamp would not light"), evidence, facts: facts)
            }
            guard first.value <= limit else {
                return .failed("the streamed \(first.key) for the new voicemail arrived \(first.value) ms after the CreateItem answer, over the limit of \(limit) ms (notification_latency_ms): the lamp would light late",
                               evidence, facts: facts)
            }
            // The client has what it needs once ModifiedEvent comes: the connection closes then.
            watch.closeWhenSeen(["ModifiedEvent"], item: item)
            let update = await client.perform(UpdateReadFlag(items: [created.item], isRead: true), impersonating: connectingSID(mailbox))
            let updatedAt = ContinuousClock.now
            evidence.append(update.exchange)
            guard update.messages.count == 1, let m = update.messages.first, m.responseClass == .success else {
                return failure(of: update, doing: "UpdateItem message:IsRead=true of the voicemail", facts: facts).citing(before: evidence.dropLast())
            }
            let modified = await Self.awaitEvents(watch, ["ModifiedEvent"], item: item, after: updatedAt, bound: bound)
            if let ms = modified["ModifiedEvent"] { latencies["ModifiedEvent"] = ms }
            facts = Self.latencyFacts(latencies, limit: limit)
            guard let ms = modified["ModifiedEvent"] else {
                return .failed(Self.missing("no ModifiedEvent for the voicemail marked read", after: "the UpdateItem IsRead=true answer",
                                            watch.seen, bound: bound, light: "the lamp would not go off"), evidence, facts: facts)
            }
            guard ms <= limit else {
                return .failed("the streamed ModifiedEvent for the voicemail marked read arrived \(ms) ms after the UpdateItem answer, over the limit of \(limit) ms (notification_latency_ms): the lamp would go off late",
                               evidence, facts: facts)
            }
            let seen = watch.seen
            return .passed("GetStreamingEvents streamed \(latencies.keys.filter { $0 != "ModifiedEvent" }.sorted().joined(separator: " and ")) for the new voicemail and ModifiedEvent for its read flag as they happened, p50 \(facts["latency_p50_ms"] ?? "?") ms, max \(facts["latency_max_ms"] ?? "?") ms (limit \(limit) ms), over one chunked connection (\(seen.envelopes) envelopes, ConnectionStatus \(seen.statuses.isEmpty ? "none" : Self.counted(seen.statuses))) the client closed once it had them",
                           evidence, facts: facts)
        } catch {
            return error.verdict.citing(before: evidence)
        }
    }

    /// Waits until one of `kinds` has arrived for `item`, the stream has ended or `bound` ms have
    /// passed since `start`; the latency of each kind that arrived (0 for one that came before the
    /// change's answer was read).
    private static func awaitEvents(_ watch: EventStreamWatch, _ kinds: Set<String>, item: String, after start: ContinuousClock.Instant,
                              bound: Int) async -> [String: Int] {
        let deadline = start + .milliseconds(bound)
        while true {
            let found = watch.arrivals(kinds, item: item)
            if !found.isEmpty || watch.seen.end != nil || ContinuousClock.now >= deadline || Task.isCancelled {
                return found.mapValues { max(0, EventPoll.milliseconds($0 - start)) }
            }
            // The arrival time is taken when the bytes come in; this only decides when to look.
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Why an event did not come, from what the stream showed: held back (no head at all, or a
    /// Content-Length instead of chunks), refused, ended or closed early, or open and silent.
    static func missing(_ what: String, after: String, _ seen: EventStreamWatch.Seen, bound: Int, light: String) -> String {
        let during = "within \(bound) ms of \(after)"
        if let end = seen.end, end.ending == nil || (end.call.httpStatus ?? 200) != 200 {
            return "\(what) arrived: GetStreamingEvents failed: \(end.call.summary)"
        }
        if let code = seen.errors.first {
            return "\(what) arrived: the stream answered \(code) instead of events (\(seen.envelopes) envelopes): the subscription's stream was ended by the provider"
        }
        if let problem = seen.unreadable.first {
            return "\(what) arrived: an envelope of the stream could not be read: \(problem)"
        }
        guard let head = seen.head else {
            return "\(what) arrived \(during): GetStreamingEvents sent nothing at all, not even its response head, while its connection was open: the response is buffered until the connection closes (a server or proxy holding the chunked stream back), so the product sees no event while its stream is open; \(light)"
        }
        if !head.chunked {
            return "\(what) arrived \(during): GetStreamingEvents answered with a Content-Length, not in chunks (Transfer-Encoding: chunked): the stream is not chunked, so its events are complete only when the connection closes; \(light)"
        }
        if seen.statuses.contains("Closed") || seen.end != nil {
            return "\(what) arrived \(during): the stream ended (\(seen.statuses.contains("Closed") ? "ConnectionStatus Closed" : "the server closed the connection")) after \(seen.envelopes) envelopes, before the event; \(light)"
        }
        return "\(what) arrived on the open stream \(during) (\(seen.envelopes) envelopes, ConnectionStatus \(seen.statuses.isEmpty ? "none" : counted(seen.statuses))): the streaming subscription stays silent; \(light) from streaming notifications"
    }

    /// `OK×3, Closed`: the values in order of first appearance, with their counts.
    static func counted(_ values: [String]) -> String {
        var order: [String] = []
        var counts: [String: Int] = [:]
        for v in values {
            if counts[v] == nil { order.append(v) }
            counts[v, default: 0] += 1
        }
        return order.map { counts[$0]! > 1 ? "\($0)×\(counts[$0]!)" : $0 }.joined(separator: ", ")
    }
}
