extension CheckCatalog {
    static let messageWaitingCreatedUnread = CheckID("message-waiting.created-unread")
    static let messageWaitingReadClears = CheckID("message-waiting.read-clears")
    static let messageWaitingMarkAllRead = CheckID("message-waiting.mark-all-read")
}

extension CheckRegistry {
    /// Message waiting both ways, per mailbox: the lamp goes on with an unread voicemail and off
    /// when it is read, one by one (UpdateItem) or all at once (MarkAllItemsAsRead).
    static let messageWaitingFamily: [Check] = [
        Check(.init(id: CheckCatalog.messageWaitingCreatedUnread, title: "A voicemail created unread is stored unread and lights the lamp",
                    requirement: "A voicemail created with IsRead=false stated explicitly reads back IsRead=false, and the Inbox UnreadCount rises by one with it.",
                    dependsOn: [CheckCatalog.voicemailMessageWaiting], perMailbox: true, changesMailbox: true,
                    tags: ["message-waiting"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.createdUnread(mailbox)
        },
        Check(.init(id: CheckCatalog.messageWaitingReadClears, title: "Marking the voicemail read turns the lamp off",
                    requirement: "UpdateItem setting message:IsRead=true on the unread voicemail answers NoError, the voicemail reads back IsRead=true, and the Inbox UnreadCount falls by one.",
                    dependsOn: [CheckCatalog.messageWaitingCreatedUnread], perMailbox: true, changesMailbox: true,
                    tags: ["message-waiting"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.readClears(mailbox)
        },
        Check(.init(id: CheckCatalog.messageWaitingMarkAllRead, title: "MarkAllItemsAsRead clears a folder's unread count",
                    requirement: "In a folder the suite creates under the Inbox (never the user's own Inbox, whose real mail it would mark read), two unread voicemails give UnreadCount 2; MarkAllItemsAsRead answers NoError, the UnreadCount is 0 and both read back IsRead=true; the folder is then removed.",
                    dependsOn: [CheckCatalog.voicemailMessageWaiting], perMailbox: true, changesMailbox: true,
                    tags: ["message-waiting"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.markAllRead(mailbox)
        },
    ]
}
