/// ExpandDL of a directory distribution list by its SMTP address: one response message with the
/// list's members (one level; nested lists show as MailboxType PublicDL).
package struct ExpandDL: EWSOperation {
    package static let name = "ExpandDL"
    /// The list's SMTP address.
    package var address: String

    /// Creates the operation.
    package init(_ address: String) { self.address = address }

    package var bodyXML: String {
        "<m:ExpandDL><m:Mailbox><t:EmailAddress>\(address.xmlEscaped)</t:EmailAddress></m:Mailbox></m:ExpandDL>"
    }

    package func payload(in message: ResponseElement) -> DLExpansion? {
        guard let expansion = message.element.child("DLExpansion") else { return nil }
        let members = expansion.children("Mailbox").map { m in
            DLExpansion.Member(name: m.child("Name")?.text, emailAddress: m.child("EmailAddress")?.text, mailboxType: m.child("MailboxType")?.text)
        }
        return DLExpansion(members: members, totalItemsInView: expansion.attribute("TotalItemsInView").flatMap { Int($0) },
                           includesLastItemInRange: expansion.attribute("IncludesLastItemInRange").map { $0 == "true" })
    }
}
