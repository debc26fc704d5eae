@testable import EWSProtocol
@testable import EWSSimulator
import Foundation
import Testing

/// Items keep what they are given (categories, importance, sensitivity, reminders, reply-to,
/// bcc, message ids, MIME), and what the simulator cannot keep is refused, not dropped.
@Suite struct ItemContentTests {
    @Test func simplePropertiesRoundTrip() async throws {
        try await SimulatorSession.with { s in
            let id = try await s.createMessage("""
                <t:Subject>kept</t:Subject><t:Sensitivity>Private</t:Sensitivity><t:Body BodyType="HTML">&lt;p&gt;Hello&lt;/p&gt;</t:Body>\
                <t:Categories><t:String>Voicemail</t:String><t:String>Urgent</t:String></t:Categories><t:Importance>High</t:Importance>\
                <t:InReplyTo>&lt;a@b&gt;</t:InReplyTo><t:ReminderDueBy>2026-04-01T08:00:00Z</t:ReminderDueBy><t:ReminderIsSet>1</t:ReminderIsSet>\
                <t:ReminderMinutesBeforeStart>15</t:ReminderMinutesBeforeStart><t:Culture>de-DE</t:Culture>\
                <t:BccRecipients><t:Mailbox><t:EmailAddress>erin@contoso.com</t:EmailAddress></t:Mailbox></t:BccRecipients>\
                <t:IsReadReceiptRequested>true</t:IsReadReceiptRequested><t:IsDeliveryReceiptRequested>0</t:IsDeliveryReceiptRequested>\
                <t:From><t:Mailbox><t:Name>Gateway</t:Name><t:EmailAddress>vm@contoso.com</t:EmailAddress></t:Mailbox></t:From>\
                <t:InternetMessageId>&lt;id-1@contoso.com&gt;</t:InternetMessageId><t:IsRead>0</t:IsRead><t:References>&lt;a@b&gt;</t:References>\
                <t:ReplyTo><t:Mailbox><t:EmailAddress>callback@contoso.com</t:EmailAddress></t:Mailbox></t:ReplyTo>
                """)
            let a = try await s.getItem(id, shape: "<t:BaseShape>Default</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI=\"message:BccRecipients\"/><t:FieldURI FieldURI=\"message:ReplyTo\"/></t:AdditionalProperties>")
            let text = try await s.getItem(id, shape: "<t:BaseShape>IdOnly</t:BaseShape><t:BodyType>Text</t:BodyType><t:AdditionalProperties><t:FieldURI FieldURI=\"item:Body\"/></t:AdditionalProperties>")
            let m = try #require(a.messages.first?.path("Items", "Message"))
            #expect(m.child("Sensitivity")?.text == "Private")
            #expect(m.child("Body")?.attribute("BodyType") == "HTML")
            #expect(m.child("Categories")?.children.map(\.text) == ["Voicemail", "Urgent"])
            #expect(m.child("Importance")?.text == "High")
            #expect(m.child("InReplyTo")?.text == "<a@b>")
            #expect(m.child("ReminderDueBy")?.text == "2026-04-01T08:00:00Z")
            #expect(m.child("ReminderIsSet")?.text == "true")
            #expect(m.child("ReminderMinutesBeforeStart")?.text == "15")
            #expect(m.child("Culture")?.text == "de-DE")
            #expect(m.path("BccRecipients", "Mailbox", "EmailAddress")?.text == "erin@contoso.com")
            #expect(m.child("IsReadReceiptRequested")?.text == "true")
            #expect(m.child("IsDeliveryReceiptRequested")?.text == "false")
            #expect(m.path("From", "Mailbox", "Name")?.text == "Gateway")
            #expect(m.child("InternetMessageId")?.text == "<id-1@contoso.com>")
            #expect(m.child("IsRead")?.text == "false")
            #expect(m.child("References")?.text == "<a@b>")
            #expect(m.path("ReplyTo", "Mailbox", "EmailAddress")?.text == "callback@contoso.com")
            let body = text.messages.first?.path("Items", "Message", "Body")
            #expect(body?.attribute("BodyType") == "Text")
            #expect(body?.text == "Hello")
        }
    }

    @Test(arguments: [
        ("<t:Size>10</t:Size>", "ErrorInvalidPropertySet"),
        ("<t:DateTimeSent>2026-01-01T00:00:00Z</t:DateTimeSent>", "ErrorInvalidPropertySet"),
        ("<t:HasAttachments>true</t:HasAttachments>", "ErrorInvalidPropertySet"),
        ("<t:Flag><t:FlagStatus>Flagged</t:FlagStatus></t:Flag>", "ErrorInvalidOperation"),
        ("<t:IsClutter>true</t:IsClutter>", "ErrorInvalidOperation"),
        ("<t:Attachments><t:ItemAttachment><t:Name>x</t:Name></t:ItemAttachment></t:Attachments>", "ErrorMissingItemForCreateItemAttachment"),
        ("<t:ReminderDueBy>soon</t:ReminderDueBy>", "ErrorSchemaValidation"),
    ])
    func elementsTheSimulatorDoesNotKeepAreRefused(_ inner: String, _ code: String) async throws {
        try await SimulatorSession.with { s in
            let a = try await s.tryCreate("<t:Subject>x</t:Subject>" + inner)
            #expect((a.codes.first ?? a.fault?.code) == code, "\(a.text)")
            #expect(s.simulator.tenant.allItems().isEmpty)
        }
    }

    static let mime = """
        From: "Voice Gateway" <vm@contoso.com>\r
        To: Alice Example <alice@contoso.com>, bob@contoso.com\r
        Subject: =?utf-8?B?Vm9pY2VtYWlsIOKAkyBjYWxsZXIgKzE1NTU=?=\r
        Message-ID: <vm-1@gw.contoso.com>\r
        Date: Tue, 01 Dec 2026 10:00:00 +0000\r
        Importance: high\r
        X-Caller-Id: +1555\r
        MIME-Version: 1.0\r
        Content-Type: multipart/mixed; boundary="b1"\r
        \r
        preamble\r
        --b1\r
        Content-Type: text/plain; charset=utf-8\r
        Content-Transfer-Encoding: quoted-printable\r
        \r
        You have a new voicemail =E2=80=93 30 s.\r
        --b1\r
        Content-Type: audio/wav; name="vm.wav"\r
        Content-Disposition: attachment; filename="vm.wav"\r
        Content-Transfer-Encoding: base64\r
        \r
        UklGRgABAgM=\r
        --b1--\r

        """

    @Test func mimeContentIsParsedAndReturned() async throws {
        try await SimulatorSession.with { s in
            let id = try await s.createMessage("<t:MimeContent CharacterSet=\"UTF-8\">\(Data(Self.mime.utf8).base64EncodedString())</t:MimeContent>")
            let a = try await s.getItem(id, shape: "<t:BaseShape>Default</t:BaseShape><t:IncludeMimeContent>true</t:IncludeMimeContent><t:AdditionalProperties><t:FieldURI FieldURI=\"item:InternetMessageHeaders\"/></t:AdditionalProperties>")
            let m = try #require(a.messages.first?.path("Items", "Message"))
            #expect(m.child("Subject")?.text == "Voicemail – caller +1555")
            #expect(m.path("From", "Mailbox", "EmailAddress")?.text == "vm@contoso.com")
            #expect(m.path("From", "Mailbox", "Name")?.text == "Voice Gateway")
            #expect(m.path("ToRecipients")?.children.compactMap { $0.child("EmailAddress")?.text } == ["alice@contoso.com", "bob@contoso.com"])
            #expect(m.child("Body")?.text == "You have a new voicemail – 30 s.")
            #expect(m.child("Importance")?.text == "High")
            #expect(m.child("InternetMessageId")?.text == "<vm-1@gw.contoso.com>")
            let attachment = m.path("Attachments", "FileAttachment")
            #expect(attachment?.child("Name")?.text == "vm.wav")
            #expect(attachment?.child("Size")?.text == "8")
            #expect(m.child("InternetMessageHeaders")?.children.contains { $0.attribute("HeaderName") == "X-Caller-Id" && $0.text == "+1555" } == true)
            let returned = try #require(m.child("MimeContent")).text
            #expect(Data(base64Encoded: returned) == Data(Self.mime.utf8), "the MIME a message was created from comes back unchanged")
        }
    }

    @Test func mimeIsWrittenForItemsCreatedWithoutIt() async throws {
        try await SimulatorSession.with { s in
            let id = try await s.createMessage("<t:Subject>Fax 3 pages</t:Subject><t:Body BodyType=\"Text\">see attached</t:Body><t:Attachments><t:FileAttachment><t:Name>fax.pdf</t:Name><t:ContentType>application/pdf</t:ContentType><t:Content>JVBERi0=</t:Content></t:FileAttachment></t:Attachments><t:From><t:Mailbox><t:EmailAddress>fax@contoso.com</t:EmailAddress></t:Mailbox></t:From>")
            let a = try await s.getItem(id, shape: "<t:BaseShape>IdOnly</t:BaseShape><t:IncludeMimeContent>1</t:IncludeMimeContent>")
            let mime = try #require(a.messages.first?.path("Items", "Message", "MimeContent").flatMap { Data(base64Encoded: $0.text) })
            // Read back with the simulator's own parser, and spot-check the text a mail client sees.
            let parsed = try #require(MIMEParser.parse([UInt8](mime)))
            #expect(parsed.header("Subject") == "Fax 3 pages")
            #expect(parsed.header("From") == "fax@contoso.com")
            #expect(parsed.body == "see attached")
            #expect(parsed.attachments.map(\.name) == ["fax.pdf"])
            #expect(parsed.attachments.first?.content == Array("%PDF-".utf8))
        }
    }

    @Test func malformedMimeIsRefused() async throws {
        try await SimulatorSession.with { s in
            let a = try await s.tryCreate("<t:MimeContent>\(Data("no headers here\r\n\r\nbody".utf8).base64EncodedString())</t:MimeContent>")
            #expect(a.codes == ["ErrorMimeContentConversionFailed"])
        }
    }
}
