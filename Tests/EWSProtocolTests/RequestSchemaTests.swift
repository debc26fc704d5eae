@testable import EWSProtocol
import EWSTestSupport
import Testing

/// Every request the harness sends is valid against the EWS 2017 schema (read from ../shared).
@Suite struct RequestSchemaTests {
    static let operations: [(String, any EWSOperation)] = [
        ("GetFolder", GetFolder(folders: [.inbox, .distinguished("calendar", mailbox: "alice@contoso.com"), .id("AAMkAD=", changeKey: "AQAA")])),
        ("FindItem", FindItem(folder: .inbox, shape: .default, maxEntries: 10, offset: 5)),
        ("GetItem", GetItem(items: [ItemIdentifier(id: "AAMkAG=", changeKey: "CQAA")])),
        ("CreateItem", CreateMessage(folder: .inbox, itemClass: "IPM.Note.Microsoft.Voicemail.UM.CA", subject: "Voice <mail> & more",
                                     body: "body", attachments: [FileAttachmentContent(name: "a.wav", contentType: "audio/wav", content: [1, 2, 3])],
                                     from: "pbx@contoso.com")),
        ("GetAttachment", GetAttachment(attachmentIDs: ["AAMkAH="])),
        ("DeleteItem", DeleteItem(items: [ItemIdentifier(id: "AAMkAG=")])),
        ("Subscribe", StreamingSubscribe(folders: [.inbox], eventTypes: ["NewMailEvent", "CreatedEvent", "ModifiedEvent"])),
        ("GetStreamingEvents", GetStreamingEvents(subscriptionIDs: ["JDk0NmJi"], connectionTimeoutMinutes: 1)),
    ]

    @Test func everyOperationBodyAndHeaderIsSchemaValid() throws {
        try Fixtures.requireShared()
        let validator = try SchemaValidator(schemaFile: Fixtures.ewsSchemaDirectory + "/messages.xsd")
        for impersonation: ConnectingSID? in [nil, .primarySmtpAddress("alice@contoso.com"), .smtpAddress("a@b.c"), .principalName("a@b.c"), .sid("S-1-5-21-1-2-3-1001")] {
            for (name, op) in Self.operations {
                let xml = SOAPRequest(version: .exchange2013SP1, impersonation: impersonation, body: op.bodyXML).xml
                let tree = try XMLTree(parsing: Array(xml.utf8))
                let root = try #require(tree.root)
                let header = try #require(root.child("Header", EWSNamespace.soap))
                let body = try #require(root.child("Body", EWSNamespace.soap)?.children.first)
                #expect(body.name == name)
                for element in header.children + [body] {
                    let violations = validator.validate(element)
                    #expect(violations.isEmpty, "\(name) <\(element.name)>: \(violations)")
                }
            }
        }
    }

    @Test func theValidatorReallyRejectsInvalidRequests() throws {
        try Fixtures.requireShared()
        let validator = try SchemaValidator(schemaFile: Fixtures.ewsSchemaDirectory + "/messages.xsd")
        // Attachments after ToRecipients: wrong order for t:MessageType.
        let bad = """
            <m:CreateItem xmlns:m="\(EWSNamespace.messages)" xmlns:t="\(EWSNamespace.types)" MessageDisposition="SaveOnly"><m:Items><t:Message>\
            <t:Subject>x</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>a@b.c</t:EmailAddress></t:Mailbox></t:ToRecipients>\
            <t:Attachments/></t:Message></m:Items></m:CreateItem>
            """
        let element = try #require(try XMLTree(parsing: Array(bad.utf8)).root)
        let violations = validator.validate(element)
        #expect(!violations.isEmpty)
        #expect(violations.first?.line == 1)
        let twoIdentifiers = """
            <t:ExchangeImpersonation xmlns:t="\(EWSNamespace.types)"><t:ConnectingSID><t:SmtpAddress>a@b.c</t:SmtpAddress>\
            <t:PrincipalName>a@b.c</t:PrincipalName></t:ConnectingSID></t:ExchangeImpersonation>
            """
        #expect(!validator.validate(try #require(try XMLTree(parsing: Array(twoIdentifiers.utf8)).root)).isEmpty)
    }

    @Test func aMissingSchemaFileIsASpecificError() {
        #expect {
            _ = try SchemaValidator(schemaFile: "/nonexistent/messages.xsd")
        } throws: { error in
            (error as? XMLReadError)?.message.contains("/nonexistent/messages.xsd") == true
        }
    }
}
