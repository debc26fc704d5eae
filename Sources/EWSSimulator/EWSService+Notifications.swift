import EWSProtocol
import Foundation

extension EWSService {
    /// How many live subscriptions an account may hold in all under
    /// ``SimulatorQuirk/subscriptionsChargedToCaller``.
    static let callerSubscriptionLimit = 2
    static let eventTypes: Set<String> = ["CopiedEvent", "CreatedEvent", "DeletedEvent", "ModifiedEvent", "MovedEvent", "NewMailEvent",
                                          "FreeBusyChangedEvent"]

    func snapshot(_ mailbox: String) -> MailboxSnapshot {
        tenant.withStore(mailbox) { MailboxSnapshot($0) } ?? MailboxSnapshot()
    }

    /// Subscribe: pull, streaming and push subscriptions on folders of the acting mailbox (or all
    /// of them), with a watermark to resume from (pull and push). A push subscription's
    /// notifications are POSTed to its URL by ``PushNotifier``.
    func subscribe(_ request: XMLElement, _ context: RequestContext) throws -> String {
        func answer(_ message: String) -> String { SOAPWriter.operationResponse("Subscribe", messages: [message]) }
        guard let pull = request.child("PullSubscriptionRequest") ?? request.child("StreamingSubscriptionRequest")
                ?? request.child("PushSubscriptionRequest") else {
            let kind = request.children.first?.name ?? "subscription"
            return answer(SOAPWriter.error("Subscribe", .notImplemented("\(kind) (pull, streaming and push subscriptions are)")))
        }
        let streaming = pull.name == "StreamingSubscriptionRequest"
        let push = pull.name == "PushSubscriptionRequest"
        let owner = context.mailboxUser.primarySmtpAddress
        do throws(EWSError) {
            guard context.mailboxUser.hasMailbox else { throw .missingEmailAddress }
            var callback: (url: String, statusMinutes: Int)?
            if push {
                guard pushNotifier != nil else { throw EWSError.notImplemented("push subscriptions") }
                callback = try Self.pushCallback(pull)
            }
            var types = Set<String>()
            for type in pull.child("EventTypes")?.children("EventType") ?? [] {
                guard Self.eventTypes.contains(type.text) else { throw EWSError.notImplemented("\(type.text) notifications") }
                types.insert(type.text)
            }
            let all = pull.attribute("SubscribeToAllFolders").flatMap(XSBoolean.parse) ?? false
            var folders: Set<String>?
            if let ids = pull.child("FolderIds") {
                guard !all else { throw EWSError("ErrorInvalidSubscriptionRequest", "FolderIds cannot be given with SubscribeToAllFolders.") }
                var set = Set<String>()
                for element in ids.children {
                    switch resolveFolder(element, context) {
                    case .success(let found) where found.mailbox == owner: set.insert(found.folder.id)
                    case .success: throw EWSError("ErrorSubscriptionDelegateAccessNotSupported", "Subscriptions to another user's folders are not supported.")
                    case .failure(let error): throw error
                    }
                }
                folders = set
            } else if !all {
                throw EWSError("ErrorInvalidSubscriptionRequest", "A subscription needs FolderIds or SubscribeToAllFolders.")
            }
            // A streaming subscription lives 30 minutes past its last connection; a push
            // subscription lives until its callback ends it or stops answering (PushNotifier).
            guard let timeout = streaming ? 30 : push ? 1440 : pull.child("Timeout").flatMap({ Int($0.text.trimmingCharacters(in: .whitespaces)) }), (1...1440).contains(timeout) else {
                throw EWSError("ErrorInvalidSubscriptionRequest", "The subscription timeout must be between 1 and 1440 minutes.")
            }
            var mark: String
            if let resume = pull.child("Watermark")?.text {
                guard tenant.subscriptions.snapshot(at: resume, mailbox: owner) != nil else {
                    throw EWSError("ErrorInvalidWatermark", "The watermark used for creating this subscription was not recognized.")
                }
                mark = resume
            } else {
                mark = tenant.subscriptions.watermark(for: snapshot(owner), mailbox: owner)
            }
            // EWSMaxSubscriptions is charged against the target mailbox (Exchange 2010 SP3+, Exchange
            // Online); the refusal's message form is inferred (ews-protocol.md, throttling).
            guard tenant.subscriptions.liveCount(mailbox: owner, at: tenant.subscriptions.now) < maxSubscriptionsPerMailbox else {
                throw EWSError("ErrorExceededSubscriptionCount", "You have exceeded the maximum number of subscriptions for this mailbox.")
            }
            let caller = context.caller.primarySmtpAddress + "/"
            if quirks.contains(.subscriptionsChargedToCaller),
               tenant.subscriptions.liveCount(callerPrefix: caller, at: tenant.subscriptions.now) >= Self.callerSubscriptionLimit {
                throw EWSError("ErrorExceededSubscriptionCount", "You have exceeded the maximum number of subscriptions.")
            }
            let id = Data((Array(UUID().uuidString.lowercased().utf8) + Array(owner.utf8)).prefix(48)).base64EncodedString()
            tenant.subscriptions.add(.init(id: id, mailbox: owner, caller: caller + owner, folders: folders,
                                           eventTypes: types, timeoutMinutes: timeout, lastUsed: tenant.subscriptions.now,
                                           streaming: streaming, lastWatermark: streaming || push ? mark : nil,
                                           pushURL: callback?.url))
            if let callback {
                pushNotifier?.start(id, url: callback.url, statusFrequencyMinutes: callback.statusMinutes, service: self)
            }
            // A streaming subscription hands out no watermark.
            return answer(SOAPWriter.success("Subscribe", payload: "<m:SubscriptionId>\(id)</m:SubscriptionId>" + (streaming ? "" : "<m:Watermark>\(mark)</m:Watermark>")))
        } catch {
            return answer(SOAPWriter.error("Subscribe", error))
        }
    }

    /// The callback URL and StatusFrequency of a push subscription request: only absolute http and
    /// https URLs (ErrorInvalidPushSubscriptionUrl otherwise); CallerData is refused.
    static func pushCallback(_ request: XMLElement) throws(EWSError) -> (url: String, statusMinutes: Int) {
        if request.child("CallerData") != nil { throw EWSError.notImplemented("PushSubscriptionRequest/CallerData") }
        let text = request.child("URL")?.text.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme),
              let host = url.host, !host.isEmpty, url.user == nil, url.password == nil else {
            throw EWSError("ErrorInvalidPushSubscriptionUrl", "The push subscription URL is invalid.")
        }
        let frequency = request.child("StatusFrequency").flatMap { Int($0.text.trimmingCharacters(in: .whitespaces)) } ?? 30
        guard (1...1440).contains(frequency) else {
            throw EWSError("ErrorInvalidSubscriptionRequest", "The StatusFrequency must be between 1 and 1440 minutes.")
        }
        return (text, frequency)
    }

    /// The subscription, if the caller may use it and it has not expired.
    func usableSubscription(_ id: String, _ context: RequestContext) throws(EWSError) -> SubscriptionRegistry.Subscription {
        guard let sub = tenant.subscriptions.subscription(id) else {
            guard Data(base64Encoded: id) != nil else { throw EWSError("ErrorInvalidPullSubscriptionId", "The subscription id is invalid.") }
            throw EWSError("ErrorSubscriptionNotFound", "The specified subscription was not found.")
        }
        guard sub.caller == context.caller.primarySmtpAddress + "/" + context.mailboxUser.primarySmtpAddress else {
            throw EWSError("ErrorSubscriptionAccessDenied", "Access is denied. Only the subscription owner may access the subscription.")
        }
        let now = tenant.subscriptions.now
        guard now.timeIntervalSince(sub.lastUsed) <= Double(sub.timeoutMinutes * 60) else {
            tenant.subscriptions.remove(id)
            throw EWSError("ErrorExpiredSubscription", "The subscription has expired.")
        }
        return sub
    }

    /// GetEvents: what changed in the subscribed folders since the watermark, each event with a
    /// watermark of its own, or a StatusEvent when nothing did.
    func getEvents(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let id = request.child("SubscriptionId")?.text.trimmingCharacters(in: .whitespaces) ?? ""
        let mark = request.child("Watermark")?.text.trimmingCharacters(in: .whitespaces) ?? ""
        do throws(EWSError) {
            let sub = try usableSubscription(id, context)
            guard !sub.streaming else { throw EWSError("ErrorInvalidPullSubscriptionId", "The subscription is a streaming subscription, not a pull subscription.") }
            guard sub.pushURL == nil else { throw EWSError("ErrorInvalidPullSubscriptionId", "The subscription is a push subscription, not a pull subscription.") }
            guard let old = tenant.subscriptions.snapshot(at: mark, mailbox: sub.mailbox) else {
                throw EWSError("ErrorInvalidWatermark", "The watermark is not valid.")
            }
            let now = tenant.subscriptions.now
            tenant.subscriptions.touch(id, at: now)
            let latest = snapshot(sub.mailbox)
            let (events, current) = bentByQuirks(Self.events(for: sub, from: old, to: latest), sub: sub, old: old, current: latest, at: now)
            let next = tenant.subscriptions.watermark(for: current, mailbox: sub.mailbox)
            let previous = quirks.contains(.watermarkDiscontinuous) ? tenant.subscriptions.watermark(for: old, mailbox: sub.mailbox) : mark
            var x = "<m:Notification><t:SubscriptionId>\(id)</t:SubscriptionId><t:PreviousWatermark>\(previous)</t:PreviousWatermark><t:MoreEvents>false</t:MoreEvents>"
            x += events.isEmpty ? "<t:StatusEvent><t:Watermark>\(next)</t:Watermark></t:StatusEvent>"
                : eventsXML(events, sub: sub, old: old, current: current, next: next, at: now)
            x += "</m:Notification>"
            return SOAPWriter.operationResponse("GetEvents", messages: [SOAPWriter.success("GetEvents", payload: x)])
        } catch {
            return SOAPWriter.operationResponse("GetEvents", messages: [SOAPWriter.error("GetEvents", error)])
        }
    }

    /// The events GetEvents reports under the notification quirks, and the snapshot its next
    /// watermark stands for: `new-mail-event-missing` and `modified-event-missing` drop item events,
    /// `notification-late` reports nothing (and stays at `old`) while an event is younger than the delay.
    func bentByQuirks(_ events: [MailboxSnapshot.Event], sub: SubscriptionRegistry.Subscription, old: MailboxSnapshot,
                      current: MailboxSnapshot, at now: Date) -> ([MailboxSnapshot.Event], MailboxSnapshot) {
        guard !quirks.isDisjoint(with: [.newMailEventMissing, .modifiedEventMissing, .notificationLate]) else { return (events, current) }
        let kept = events.filter { e in
            if e.isFolder { return true }
            if quirks.contains(.newMailEventMissing), [.created, .newMail].contains(e.kind) { return false }
            if quirks.contains(.modifiedEventMissing), e.kind == .modified { return false }
            return true
        }
        if quirks.contains(.notificationLate) {
            let young = kept.contains { e in
                let key = [sub.mailbox, e.kind.rawValue, e.id, current.items[e.id]?.changeKey ?? ""].joined(separator: "|")
                let since = now.timeIntervalSince(tenant.subscriptions.firstReportable(key, at: now))
                return !e.isFolder && since * 1000 < Double(notificationDelayMilliseconds)
            }
            if young { return ([], old) }
        }
        return (kept, current)
    }

    /// The events a subscription reports between two snapshots.
    static func events(for sub: SubscriptionRegistry.Subscription, from old: MailboxSnapshot, to current: MailboxSnapshot) -> [MailboxSnapshot.Event] {
        let watched = { (folder: String?) in folder.map { sub.folders?.contains($0) ?? true } ?? false }
        return current.events(since: old).filter { e in
            sub.eventTypes.contains(e.kind.rawValue) && (watched(e.parentID) || watched(e.oldParentID))
        }
    }

    /// The event elements of a notification; each carries a watermark, the last one `next`.
    func eventsXML(_ events: [MailboxSnapshot.Event], sub: SubscriptionRegistry.Subscription, old: MailboxSnapshot,
                   current: MailboxSnapshot, next: String, at now: Date) -> String {
        let folderKey = folderChangeKey(sub.mailbox)
        let stamp = ItemSerializer.date(now)
        var x = ""
        for (index, e) in events.enumerated() {
            let eventMark = index == events.count - 1 ? next : tenant.subscriptions.watermark(for: old, mailbox: sub.mailbox)
            let key = e.isFolder ? folderKey(e.id) : (current.items[e.id]?.changeKey ?? old.items[e.id]?.changeKey ?? "")
            let idXML = e.isFolder ? "<t:FolderId Id=\"\(e.id)\" ChangeKey=\"\(key)\"/>" : "<t:ItemId Id=\"\(e.id)\" ChangeKey=\"\(key)\"/>"
            x += "<t:\(e.kind.rawValue)><t:Watermark>\(eventMark)</t:Watermark><t:TimeStamp>\(stamp)</t:TimeStamp>\(idXML)"
            x += "<t:ParentFolderId Id=\"\(e.parentID)\" ChangeKey=\"\(folderKey(e.parentID))\"/>"
            if let oldID = e.oldID, let oldParent = e.oldParentID {
                x += e.isFolder ? "<t:OldFolderId Id=\"\(oldID)\"/>" : "<t:OldItemId Id=\"\(oldID)\"/>"
                x += "<t:OldParentFolderId Id=\"\(oldParent)\"/>"
            }
            x += "</t:\(e.kind.rawValue)>"
        }
        return x
    }

    /// Unsubscribe: ends a subscription of the caller.
    func unsubscribe(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let id = request.child("SubscriptionId")?.text.trimmingCharacters(in: .whitespaces) ?? ""
        do throws(EWSError) {
            _ = try usableSubscription(id, context)
            tenant.subscriptions.remove(id)
            return SOAPWriter.operationResponse("Unsubscribe", messages: [SOAPWriter.success("Unsubscribe", payload: "")])
        } catch {
            return SOAPWriter.operationResponse("Unsubscribe", messages: [SOAPWriter.error("Unsubscribe", error)])
        }
    }

    /// The `SendNotification` request of a push subscription: its events since `previous`, or a
    /// StatusEvent when there are none.
    func sendNotification(_ sub: SubscriptionRegistry.Subscription, previous: String, events: [MailboxSnapshot.Event],
                          old: MailboxSnapshot, current: MailboxSnapshot, next: String) -> String {
        let now = tenant.subscriptions.now
        var x = "<m:Notification><t:SubscriptionId>\(sub.id)</t:SubscriptionId><t:PreviousWatermark>\(previous)</t:PreviousWatermark><t:MoreEvents>false</t:MoreEvents>"
        x += events.isEmpty ? "<t:StatusEvent><t:Watermark>\(next)</t:Watermark></t:StatusEvent>"
            : eventsXML(events, sub: sub, old: old, current: current, next: next, at: now)
        x += "</m:Notification>"
        let message = SOAPWriter.success("SendNotification", payload: x)
        let body = "<m:SendNotification xmlns:m=\"\(SOAPWriter.messagesNS)\" xmlns:t=\"\(SOAPWriter.typesNS)\"><m:ResponseMessages>"
            + message + "</m:ResponseMessages></m:SendNotification>"
        return SOAPWriter.envelope(flavor: flavor, body: body)
    }
}
