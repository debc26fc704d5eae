/// ResolveNames against the directory (SearchScope ActiveDirectory), optionally with full
/// contact data. One response message; a Warning (several matches) still carries them.
package struct ResolveNames: EWSOperation {
    package static let name = "ResolveNames"
    /// The name, alias or address to resolve.
    package var entry: String
    /// Whether to ask for the directory contact (display name, phone numbers…).
    package var fullContactData: Bool

    /// Creates the operation.
    package init(_ entry: String, fullContactData: Bool = true) {
        self.entry = entry
        self.fullContactData = fullContactData
    }

    package var bodyXML: String {
        "<m:ResolveNames ReturnFullContactData=\"\(fullContactData)\" SearchScope=\"ActiveDirectory\">"
            + "<m:UnresolvedEntry>\(entry.xmlEscaped)</m:UnresolvedEntry></m:ResolveNames>"
    }

    package func payload(in message: ResponseElement) -> [NameResolution]? {
        guard let set = message.element.child("ResolutionSet") else { return nil }
        return set.children("Resolution").map { r in
            let mailbox = r.child("Mailbox")
            let contact = r.child("Contact")
            var phones: [String: String] = [:]
            for entry in contact?.child("PhoneNumbers")?.children("Entry") ?? [] {
                if let key = entry.attribute("Key"), !entry.text.isEmpty { phones[key] = entry.text }
            }
            return NameResolution(name: mailbox?.child("Name")?.text, emailAddress: mailbox?.child("EmailAddress")?.text,
                                  mailboxType: mailbox?.child("MailboxType")?.text, hasContact: contact != nil,
                                  displayName: contact?.child("DisplayName")?.text, phoneNumbers: phones)
        }
    }
}
