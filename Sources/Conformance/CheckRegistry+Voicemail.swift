extension CheckRegistry {
    /// The voicemail path of the product, per mailbox: deliver, message waiting, read back, delete.
    static let voicemailFamily: [Check] = [
        Check(.init(id: CheckCatalog.voicemailDeliver, title: "Voicemail lands in the Inbox",
                    requirement: "A voicemail message (IPM.Note.Microsoft.Voicemail.UM.CA with a WAV attachment) can be created in each mailbox's Inbox, and GetItem of the returned id shows it stored as sent: same ItemClass, the WAV attached at its size.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], perMailbox: true, changesMailbox: true)) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            let (verdict, item) = await suite.deliverVoicemail(mailbox)
            suite.state.setDelivered(item, mailbox: mailbox)
            return verdict
        },
        Check(.init(id: CheckCatalog.voicemailMessageWaiting, title: "New voicemail raises the Inbox unread count",
                    requirement: "GetFolder(Inbox) reports UnreadCount, and a new voicemail raises it by one: message-waiting lamps are driven from it.",
                    dependsOn: [CheckCatalog.voicemailDeliver], perMailbox: true)) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.messageWaiting(mailbox, before: suite.state.unreadBefore(mailbox))
        },
        Check(.init(id: CheckCatalog.voicemailReadback, title: "Voicemail reads back byte for byte",
                    requirement: "GetItem of the delivered id answers that id, lists the WAV attachment, and GetAttachment returns exactly the bytes delivered.",
                    dependsOn: [CheckCatalog.voicemailDeliver], perMailbox: true)) { suite, mailbox in
            guard let mailbox, let delivered = suite.state.delivered(mailbox) else { return .errored("no delivered item to read back") }
            return await suite.readBack(delivered)
        },
        Check(.init(id: CheckCatalog.voicemailDelete, title: "Voicemail can be deleted",
                    requirement: "DeleteItem (HardDelete) removes the voicemail; a later GetItem answers ErrorItemNotFound.",
                    dependsOn: [CheckCatalog.voicemailDeliver], perMailbox: true, changesMailbox: true)) { suite, mailbox in
            guard let mailbox, let delivered = suite.state.delivered(mailbox) else { return .errored("no delivered item to delete") }
            return await suite.delete(delivered)
        },
    ]
}
