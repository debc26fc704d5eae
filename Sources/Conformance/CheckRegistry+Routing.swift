extension CheckCatalog {
    static let routingSendAndSaveCopy = CheckID("routing.send-and-save-copy")
    static let routingMove = CheckID("routing.move")
    static let routingCopy = CheckID("routing.copy")
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
