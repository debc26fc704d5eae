import EWSProtocol
import Foundation

/// The contact properties of `t:Contact` on CreateItem and UpdateItem: names, company, job,
/// e-mail addresses and phone numbers are kept; computed ones are `ErrorInvalidPropertySet`;
/// the rest (physical addresses, IM addresses, certificates…) are refused as not implemented.
extension ItemReader {
    static let contactReadOnly: Set<String> = [
        "CompleteName", "ContactSource", "HasPicture", "DirectoryId", "ManagerMailbox", "DirectReports", "AbchEmailAddresses",
        "Companies", "ContactShortId", "ObjectId", "Cid",
    ]

    func newContact() -> StoredItem {
        var item = StoredItem(id: "", changeKey: "", folderID: "", kind: "Contact", itemClass: "IPM.Contact", subject: "",
                              body: "", bodyType: "Text", attachments: [], from: nil, toRecipients: [], ccRecipients: [],
                              isRead: true, isDraft: false, importance: "Normal", sensitivity: "Normal", created: now, received: now)
        item.contact = ContactData()
        return item
    }

    /// Applies a contact property; false when `child` is not one.
    func applyContact(_ child: XMLElement, to item: inout StoredItem) throws(EWSError) -> Bool {
        guard var contact = item.contact else { return false }
        defer { item.contact = contact }
        let uri = "contacts:\(child.name)"
        switch child.name {
        case "Birthday", "WeddingAnniversary":
            guard let d = XSDateTime.parse(child.text) else { throw Self.invalidValue(uri) }
            contact.dates[child.name] = d
        case _ where ContactData.keptElements.contains(child.name):
            contact.strings[child.name] = child.text
        case "EmailAddresses":
            for entry in child.children("Entry") {
                let key = entry.attribute("Key") ?? ""
                contact.emails.removeAll { $0.key == key }
                contact.emails.append(.init(key: key, value: entry.text, name: entry.attribute("Name")))
            }
            contact.emails.sort { $0.key < $1.key }
        case "PhoneNumbers":
            for entry in child.children("Entry") {
                let key = entry.attribute("Key") ?? ""
                contact.phones.removeAll { $0.key == key }
                contact.phones.append(.init(key: key, value: entry.text))
            }
        case _ where Self.contactReadOnly.contains(child.name):
            throw EWSError("ErrorInvalidPropertySet", "Set action is invalid for property.", messageXml: "<t:FieldURI FieldURI=\"\(uri)\"/>")
        case "FileAsMapping", "PhysicalAddresses", "Children", "ImAddresses", "PhoneticFullName",
             "PhoneticFirstName", "PhoneticLastName", "Alias", "Notes", "Photo", "UserSMIMECertificate", "MSExchangeCertificate",
             "AccountName", "IsAutoUpdateDisabled", "IsMessengerEnabled", "Comment", "ContactType", "Gender", "IsHidden",
             "PassportId", "IsPrivate", "SourceId", "TrustLevel", "CreatedBy", "Urls", "SkypeAuthCertificate", "SkypeContext",
             "SkypeId", "SkypeRelationship", "YomiNickname", "XboxLiveTag", "InviteFree", "HidePresenceAndProfile",
             "IsPendingOutbound", "SupportGroupFeeds", "UserTileHash", "UnifiedInbox", "Mris", "Wlid", "AbchContactId",
             "NotInBirthdayCalendar", "ShellContactType", "ImMri", "PresenceTrustLevel", "OtherMri", "ProfileLastChanged",
             "MobileIMEnabled", "PartnerNetworkProfilePhotoUrl", "PartnerNetworkThumbnailPhotoUrl", "PersonId", "ConversationGuid":
            throw EWSError.notImplemented("the contact property \(child.name)")
        default:
            return false
        }
        return true
    }

    /// A contact's subject is its display name, as Exchange sets it.
    func finishContact(_ item: inout StoredItem) throws(EWSError) {
        guard var contact = item.contact else { return }
        if contact.strings["DisplayName"] == nil { contact.strings["DisplayName"] = contact.displayName }
        if contact.strings["FileAs"] == nil {
            let s = contact.strings["Surname"] ?? "", g = contact.strings["GivenName"] ?? ""
            contact.strings["FileAs"] = s.isEmpty ? contact.displayName : (g.isEmpty ? s : "\(s), \(g)")
        }
        if item.subject.isEmpty { item.subject = contact.displayName }
        item.contact = contact
    }
}
