/// What ``GetMessageDetails`` reads of a message: the fields a contact-center client shows and
/// relies on (class, subject, sender, read flag, attachments, its own extended properties).
package struct MessageDetails: Sendable, Hashable {
    /// The id and change key.
    package var identifier: ItemIdentifier
    /// `ItemClass`.
    package var itemClass: String?
    /// `Subject`.
    package var subject: String?
    /// The SMTP address of `From`, when given.
    package var from: String?
    /// `IsRead`, when given.
    package var isRead: Bool?
    /// The attachments listed (no content).
    package var attachments: [AttachmentInfo]
    /// The values of the extended properties asked for that came back (absent ones are missing).
    package var extended: [ExtendedPropertyPath: String]
}
