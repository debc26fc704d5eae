extension CheckCatalog {
    static let directoryResolveNames = CheckID("directory.resolve-names")
    static let directoryUnknownName = CheckID("directory.unknown-name")
    static let directoryContactsFolder = CheckID("directory.contacts-folder")
    static let directoryExpandDL = CheckID("directory.expand-dl")
}

extension CheckRegistry {
    /// The directory as the product uses it: callers and agents are looked up by address, unknown
    /// numbers must not resolve, and each mailbox's Contacts folder can be read.
    static let directoryFamily: [Check] = [
        Check(.init(id: CheckCatalog.directoryResolveNames, title: "ResolveNames finds the mailbox with its contact data",
                    requirement: "ResolveNames of each mailbox's address (directory, ReturnFullContactData) answers with a resolution for exactly that address, of MailboxType Mailbox, carrying the directory contact with a display name (phone numbers are recorded where present).",
                    dependsOn: [CheckCatalog.impersonationGetFolder], perMailbox: true, tags: ["directory"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.resolveMailbox(mailbox)
        },
        Check(.init(id: CheckCatalog.directoryUnknownName, title: "An unknown name does not resolve",
                    requirement: "ResolveNames of a name no directory entry has is answered with the error ErrorNameResolutionNoResults (not an empty success) while known mailboxes resolve.",
                    dependsOn: [CheckCatalog.directoryResolveNames], mustFail: true, tags: ["directory"])) { suite, _ in
            await suite.unknownName()
        },
        Check(.init(id: CheckCatalog.directoryContactsFolder, title: "The Contacts folder can be read",
                    requirement: "GetFolder of each mailbox's distinguished Contacts folder answers NoError with a ContactsFolder, and FindItem in it answers NoError.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], perMailbox: true, tags: ["directory"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.contactsFolder(mailbox)
        },
        Check(.init(id: CheckCatalog.directoryExpandDL, title: "ExpandDL lists the members of the configured distribution list",
                    requirement: "ExpandDL (impersonated) of the target's distribution_list answers NoError with a DLExpansion holding at least one member, each with an EmailAddress and a MailboxType, and as many members as its TotalItemsInView says; a list the directory does not know (ErrorNameResolutionNoResults) fails, naming the key. Skipped when the target names no distribution_list.",
                    dependsOn: [CheckCatalog.directoryResolveNames], tags: ["directory"])) { suite, _ in
            await suite.expandDistributionList()
        },
    ]
}
