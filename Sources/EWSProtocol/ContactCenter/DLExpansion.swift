/// What ExpandDL answers: the members of a distribution list.
package struct DLExpansion: Sendable, Hashable {
    /// One member.
    package struct Member: Sendable, Hashable {
        /// `Name`.
        package var name: String?
        /// `EmailAddress`.
        package var emailAddress: String?
        /// `MailboxType` (`Mailbox`, `PublicDL`, `Contact`…).
        package var mailboxType: String?
    }

    /// The members, in the order given.
    package var members: [Member]
    /// `TotalItemsInView`.
    package var totalItemsInView: Int?
    /// `IncludesLastItemInRange`.
    package var includesLastItemInRange: Bool?
}
