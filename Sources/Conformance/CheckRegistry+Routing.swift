extension CheckCatalog {
    static let routingSendAndSaveCopy = CheckID("routing.send-and-save-copy")
    static let routingMove = CheckID("routing.move")
    static let routingCopy = CheckID("routing.copy")
    static let routingSyncFolderItems = CheckID("routing.sync-folder-items")
}

extension CheckRegistry {
    /// Routing: messages sent between impersonated mailboxes arrive, and items move and copy
    /// between folders; everything created is removed.
    static let routingFamily: [Check] = [
        Check(.init(id: CheckCatalog.routingSendAndSaveCopy, title: "A message sent between mailboxes arrives, with a copy in Sent Items",
                    requirement: "CreateItem with SendAndSaveCopy, impersonating the first mailbox, to the second (the first itself when only one is configured) answers NoError; within 30 s the message, found by its run tag, is in the recipient's Inbox and its copy in the sender's Sent Items (the delivery time is recorded).",
                    dependsOn: [CheckCatalog.impersonationGetFolder], changesMailbox: true, tags: ["routing"])) { suite, _ in
            await suite.sendAndSaveCopy()
        },
        Check(.init(id: CheckCatalog.routingSyncFolderItems, title: "SyncFolderItems from a state taken before a send reports the delivered message",
                    requirement: "SyncFolderItems of the recipient's Inbox (the second mailbox, the first when only one is configured) without a sync state, paged until IncludesLastItemInRange, gives a state; a message then sent (SendOnly) from the first mailbox is reported, within 30 s, by SyncFolderItems from that state as a Create, identified by its run tag (the delivery time, InternetMessageId and DateTimeReceived are recorded); no item the state already held comes back as Create, and the state returned with the message does not report it again.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], changesMailbox: true, tags: ["routing", "sync"])) { suite, _ in
            await suite.syncFolderItemsSeesDelivery()
        },
        Check(.init(id: CheckCatalog.routingMove, title: "MoveItem into a folder and back",
                    requirement: "MoveItem of a message from the Inbox into a folder the suite creates answers with the item's new id, the original id is gone (ErrorItemNotFound) and the moved item reads back; moving it back to the Inbox works the same way; the folder is then removed.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], perMailbox: true, changesMailbox: true, tags: ["routing"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.moveThereAndBack(mailbox)
        },
        Check(.init(id: CheckCatalog.routingCopy, title: "CopyItem into a folder",
                    requirement: "CopyItem of a message from the Inbox into a folder the suite creates answers with the copy's id; the copy reads back with the same subject and run tag and the original is still in place; the folder and both items are then removed.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], perMailbox: true, changesMailbox: true, tags: ["routing"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.copyToFolder(mailbox)
        },
    ]
}
