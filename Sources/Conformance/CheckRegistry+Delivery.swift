extension CheckCatalog {
    static let deliveryVoicemailCreateItem = CheckID("delivery.voicemail.create-item")
    static let deliveryFaxCreateItem = CheckID("delivery.fax.create-item")
    static let deliveryVoicemailMIME = CheckID("delivery.voicemail.mime")
    static let deliveryFaxMIME = CheckID("delivery.fax.mime")
    static let deliveryFilteredFind = CheckID("delivery.filtered-find")
}

extension CheckRegistry {
    /// Voicemail and fax delivery both ways the product delivers (CreateItem with a file
    /// attachment, MIME upload), read back field by field, and found again by a filtered FindItem.
    static let deliveryFamily: [Check] = [
        Check(.init(id: CheckCatalog.deliveryVoicemailCreateItem, title: "Voicemail with the product's properties lands in the Inbox and reads back identically",
                    requirement: "A voicemail (IPM.Note.Microsoft.Voicemail.UM.CA with a WAV attachment, From the voicemail gateway, the product's caller-number and duration properties and the run tag) created by CreateItem in each Inbox reads back with the same item class, subject, sender, attachment and extended properties, and GetAttachment returns exactly the WAV sent.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], perMailbox: true, changesMailbox: true, tags: ["delivery"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.deliver(.voicemail, by: .createItem, to: mailbox)
        },
        Check(.init(id: CheckCatalog.deliveryFaxCreateItem, title: "Fax lands in the Inbox and reads back identically",
                    requirement: "A fax (IPM.Note.Microsoft.Fax.CA with a TIFF attachment, From the fax gateway, the product's caller-number and duration properties and the run tag) created by CreateItem in each Inbox reads back with the same item class, subject, sender, attachment and extended properties, and GetAttachment returns exactly the TIFF sent.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], perMailbox: true, changesMailbox: true, tags: ["delivery"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.deliver(.fax, by: .createItem, to: mailbox)
        },
        Check(.init(id: CheckCatalog.deliveryVoicemailMIME, title: "Voicemail uploaded as MIME reads back identically",
                    requirement: "A voicemail uploaded as MimeContent (multipart with the WAV), with ItemClass IPM.Note.Microsoft.Voicemail.UM.CA, the product's properties and the run tag stated beside it, reads back with the same item class, subject, sender, attachment and extended properties, and GetAttachment returns exactly the WAV in the MIME.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], perMailbox: true, changesMailbox: true, tags: ["delivery"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.deliver(.voicemail, by: .mime, to: mailbox)
        },
        Check(.init(id: CheckCatalog.deliveryFaxMIME, title: "Fax uploaded as MIME reads back identically",
                    requirement: "A fax uploaded as MimeContent (multipart with the TIFF), with ItemClass IPM.Note.Microsoft.Fax.CA, the product's properties and the run tag stated beside it, reads back with the same item class, subject, sender, attachment and extended properties, and GetAttachment returns exactly the TIFF in the MIME.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], perMailbox: true, changesMailbox: true, tags: ["delivery"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.deliver(.fax, by: .mime, to: mailbox)
        },
        Check(.init(id: CheckCatalog.deliveryFilteredFind, title: "A filtered FindItem finds exactly the delivered items",
                    requirement: "FindItem in the Inbox with a Restriction And(ItemClass = voicemail or fax class, run tag = this run) returns exactly the voicemails, respectively faxes, this run delivered there and has not removed: none missing, none extra.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], perMailbox: true, tags: ["delivery"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.filteredFind(mailbox)
        },
    ]
}
