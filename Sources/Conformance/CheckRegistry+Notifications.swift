extension CheckCatalog {
    static let notificationsPull = CheckID("notifications.pull")
    static let notificationsStreaming = CheckID("notifications.streaming")
    static let notificationsSubscriptionsHeld = CheckID("notifications.subscriptions-held")
}

extension CheckRegistry {
    /// Notifications per mailbox, as the product holds them: the lamp follows the events of a
    /// pull subscription, or a streaming one, on each impersonated mailbox's Inbox, within a latency limit.
    static let notificationsFamily: [Check] = [
        Check(.init(id: CheckCatalog.notificationsPull, title: "A pull subscription on the Inbox reports the new voicemail and its read flag in time",
                    requirement: "Subscribe (pull, impersonated) on the Inbox for NewMailEvent, CreatedEvent and ModifiedEvent answers a subscription id and watermark; after CreateItem of an unread voicemail, GetEvents reports CreatedEvent (or NewMailEvent) for its ItemId, and after UpdateItem IsRead=true a ModifiedEvent for it, each within notification_latency_ms (default 10000) of the change's answer (p50 and max recorded); every GetEvents answer continues from the watermark it was given (PreviousWatermark) and the subscription is not lost; Unsubscribe answers NoError. ErrorExceededSubscriptionCount on Subscribe is named as the mailbox's subscription budget.",
                    dependsOn: [CheckCatalog.messageWaitingReadClears], perMailbox: true, changesMailbox: true,
                    tags: ["message-waiting"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.pullNotifications(mailbox)
        },
        Check(.init(id: CheckCatalog.notificationsStreaming, title: "A streaming subscription on the Inbox streams the new voicemail and its read flag in time",
                    requirement: "Subscribe (streaming, impersonated) on the Inbox for NewMailEvent, CreatedEvent and ModifiedEvent answers a subscription id; GetStreamingEvents (ConnectionTimeout 1) answers 200 in chunks (Transfer-Encoding: chunked) and, on that open connection, streams CreatedEvent (or NewMailEvent) for a new unread voicemail's ItemId after its CreateItem, and ModifiedEvent after UpdateItem IsRead=true, each within notification_latency_ms (default 10000) of the change's answer (p50 and max recorded), without ConnectionStatus Closed or an error first; the client closes the connection once it has them; Unsubscribe answers NoError.",
                    dependsOn: [CheckCatalog.messageWaitingReadClears], perMailbox: true, changesMailbox: true,
                    tags: ["message-waiting"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.streamingNotifications(mailbox)
        },
        Check(.init(id: CheckCatalog.notificationsSubscriptionsHeld, title: "A pull subscription per mailbox, all held at once, as the product holds them",
                    requirement: "Subscribe (pull, impersonated) on the Inbox of every configured mailbox impersonation reached (at most 1,000), each kept while the next is made, answers NoError with a subscription id and watermark for every one; with all of them held, GetEvents of each answers NoError (none was lost to a later one); each is then ended with Unsubscribe (NoError). When Subscribe answers ErrorExceededSubscriptionCount, the provider's subscription limit for the service account (the number held when it came) is named.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], tags: ["message-waiting"])) { suite, _ in
            await suite.heldSubscriptions()
        },
    ]
}
