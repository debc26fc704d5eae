/// One entry of a ResolveNames answer: the mailbox and, when full contact data was asked for
/// and given, the directory contact's fields.
package struct NameResolution: Sendable, Hashable {
    /// `t:Mailbox/t:Name`.
    package var name: String?
    /// `t:Mailbox/t:EmailAddress`.
    package var emailAddress: String?
    /// `t:Mailbox/t:MailboxType`.
    package var mailboxType: String?
    /// Whether a `t:Contact` came with it.
    package var hasContact: Bool
    /// `t:Contact/t:DisplayName`.
    package var displayName: String?
    /// `t:Contact/t:PhoneNumbers` entries, by key (`BusinessPhone`, `MobilePhone`…).
    package var phoneNumbers: [String: String]
}
