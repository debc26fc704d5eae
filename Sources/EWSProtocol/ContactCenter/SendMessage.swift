/// CreateItem with `MessageDisposition="SendAndSaveCopy"` (or `SendOnly`): sends a plain-text
/// message to recipients and keeps a copy in Sent Items (unless sent only). Exchange returns no
/// item id for a sent message.
package struct SendMessage: EWSOperation {
    package static let name = "CreateItem"
    /// `Subject`.
    package var subject: String
    /// A plain-text body.
    package var body: String
    /// The To line (SMTP addresses).
    package var to: [String]
    /// Extended properties to stamp on the message.
    package var extendedProperties: [(ExtendedPropertyPath, String)]
    /// Whether a copy is kept in Sent Items (`SendAndSaveCopy`) or not (`SendOnly`).
    package var saveCopy: Bool

    /// Creates the operation.
    package init(subject: String, body: String, to: [String], extendedProperties: [(ExtendedPropertyPath, String)] = [], saveCopy: Bool = true) {
        self.subject = subject
        self.body = body
        self.to = to
        self.extendedProperties = extendedProperties
        self.saveCopy = saveCopy
    }

    package var bodyXML: String {
        var xml = saveCopy
            ? "<m:CreateItem MessageDisposition=\"SendAndSaveCopy\"><m:SavedItemFolderId><t:DistinguishedFolderId Id=\"sentitems\"/></m:SavedItemFolderId>"
            : "<m:CreateItem MessageDisposition=\"SendOnly\">"
        xml += "<m:Items><t:Message><t:Subject>\(subject.xmlEscaped)</t:Subject><t:Body BodyType=\"Text\">\(body.xmlEscaped)</t:Body>"
        for (path, value) in extendedProperties { xml += path.valueXML(value) }
        xml += "<t:ToRecipients>" + to.map { "<t:Mailbox><t:EmailAddress>\($0.xmlEscaped)</t:EmailAddress></t:Mailbox>" }.joined() + "</t:ToRecipients>"
        return xml + "</t:Message></m:Items></m:CreateItem>"
    }

    package func payload(in message: ResponseElement) -> NoPayload? { NoPayload() }
}
