import Foundation

/// GetUserOofSettings of one mailbox. The answer has one `ResponseMessage` directly in the body
/// element, with `OofSettings` and `AllowExternalOof` beside it.
package struct GetUserOofSettings: EWSOperation {
    package static let name = "GetUserOofSettings"
    /// The mailbox's SMTP address.
    package var mailbox: String

    /// Creates the operation.
    package init(mailbox: String) { self.mailbox = mailbox }

    package var bodyXML: String {
        "<m:GetUserOofSettingsRequest><t:Mailbox><t:Address>\(mailbox.xmlEscaped)</t:Address></t:Mailbox></m:GetUserOofSettingsRequest>"
    }

    package func responseMessages(in body: ResponseElement) -> [ResponseMessageElements]? {
        body.element.child("ResponseMessage").map { [ResponseMessageElements(message: ResponseElement($0), payload: body)] }
    }

    package func payload(in message: ResponseElement) -> OofSettingsInfo? {
        guard let settings = message.element.child("OofSettings") else { return nil }
        let duration = settings.child("Duration")
        return OofSettingsInfo(state: settings.child("OofState")?.text, externalAudience: settings.child("ExternalAudience")?.text,
                               hasDuration: duration != nil,
                               durationStart: duration?.child("StartTime").flatMap { AvailabilityTime.instant($0.text) },
                               durationEnd: duration?.child("EndTime").flatMap { AvailabilityTime.instant($0.text) },
                               allowExternalOof: message.element.child("AllowExternalOof")?.text)
    }
}
