import EWSProtocol
import Foundation

/// A mailbox's automatic-reply (Out of Office) settings.
struct OofSettings: Sendable {
    var state = "Disabled"
    var audience = "All"
    var start = Date(timeIntervalSince1970: 0)
    var end = Date(timeIntervalSince1970: 0)
    var internalReply = ""
    var externalReply = ""

    /// Whether automatic replies go out at `date`.
    func isActive(at date: Date) -> Bool {
        state == "Enabled" || (state == "Scheduled" && date >= start && date < end)
    }
}

extension EWSService {
    private func oofMailbox(_ request: XMLElement, _ context: RequestContext) throws(EWSError) -> SimulatedUser {
        let address = request.path("Mailbox", "Address")?.text.trimmingCharacters(in: .whitespaces) ?? ""
        guard let user = tenant.user(anySmtp: address), user.hasMailbox else {
            throw EWSError("ErrorMailRecipientNotFound", "Unable to resolve e-mail address \(address) to an Active Directory object.")
        }
        // Only the mailbox itself (or whoever acts as it) may read or set its automatic replies.
        guard user.primarySmtpAddress == context.mailboxUser.primarySmtpAddress else { throw .accessDenied }
        return user
    }

    /// GetUserOofSettings of the acting mailbox.
    func getUserOofSettings(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let open = "<m:GetUserOofSettingsResponse xmlns:m=\"\(SOAPWriter.messagesNS)\" xmlns:t=\"\(SOAPWriter.typesNS)\">"
        let user: SimulatedUser
        do throws(EWSError) {
            user = try oofMailbox(request, context)
        } catch {
            return open + SOAPWriter.error("", error) + "</m:GetUserOofSettingsResponse>"
        }
        let oof = tenant.withStore(user.primarySmtpAddress) { $0.oof } ?? OofSettings()
        let date = ItemSerializer.date
        return open + SOAPWriter.success("", payload: "")
            + "<t:OofSettings><t:OofState>\(oof.state)</t:OofState><t:ExternalAudience>\(oof.audience)</t:ExternalAudience>"
            + "<t:Duration><t:StartTime>\(date(oof.start))</t:StartTime><t:EndTime>\(date(oof.end))</t:EndTime></t:Duration>"
            + "<t:InternalReply><t:Message>\(oof.internalReply.xmlEscaped)</t:Message></t:InternalReply>"
            + "<t:ExternalReply><t:Message>\(oof.externalReply.xmlEscaped)</t:Message></t:ExternalReply></t:OofSettings>"
            + "<m:AllowExternalOof>All</m:AllowExternalOof></m:GetUserOofSettingsResponse>"
    }

    /// SetUserOofSettings of the acting mailbox: state, audience, schedule and both replies;
    /// the meeting-declining options are refused as not implemented.
    func setUserOofSettings(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let open = "<m:SetUserOofSettingsResponse xmlns:m=\"\(SOAPWriter.messagesNS)\" xmlns:t=\"\(SOAPWriter.typesNS)\">"
        do throws(EWSError) {
            let user = try oofMailbox(request, context)
            guard let settings = request.child("UserOofSettings") else { throw EWSError("ErrorInvalidUserOofSettings", "The OOF settings are invalid.") }
            var oof = tenant.withStore(user.primarySmtpAddress) { $0.oof } ?? OofSettings()
            for child in settings.children {
                switch child.name {
                case "OofState":
                    guard ["Enabled", "Disabled", "Scheduled"].contains(child.text) else { throw EWSError("ErrorInvalidOofParameter", "The OofState is invalid.") }
                    oof.state = child.text
                case "ExternalAudience":
                    guard ["None", "Known", "All"].contains(child.text) else { throw EWSError("ErrorInvalidOofParameter", "The ExternalAudience is invalid.") }
                    oof.audience = child.text
                case "Duration":
                    guard let s = child.child("StartTime").flatMap({ XSDateTime.parse($0.text) }),
                          let e = child.child("EndTime").flatMap({ XSDateTime.parse($0.text) }), e > s else {
                        throw EWSError("ErrorInvalidScheduledOofDuration", "The scheduled Out of Office duration is invalid.")
                    }
                    oof.start = s
                    oof.end = e
                case "InternalReply": oof.internalReply = child.child("Message")?.text ?? ""
                case "ExternalReply": oof.externalReply = child.child("Message")?.text ?? ""
                default: throw EWSError.notImplemented("the Out of Office setting \(child.name)")
                }
            }
            if oof.state == "Scheduled", settings.child("Duration") == nil, oof.end <= oof.start {
                throw EWSError("ErrorInvalidScheduledOofDuration", "A scheduled Out of Office needs a duration.")
            }
            let stored = oof
            tenant.withStore(user.primarySmtpAddress) { $0.oof = stored }
            return open + SOAPWriter.success("", payload: "") + "</m:SetUserOofSettingsResponse>"
        } catch {
            return open + SOAPWriter.error("", error) + "</m:SetUserOofSettingsResponse>"
        }
    }

    /// The automatic reply a recipient with active Out of Office sends back (once per sender).
    func autoReply(from recipient: SimulatedUser, to sender: StoredAddress, about item: StoredItem) {
        guard let senderUser = tenant.user(anySmtp: sender.email), senderUser.hasMailbox,
              senderUser.primarySmtpAddress != recipient.primarySmtpAddress else { return }
        let reply = tenant.withStore(recipient.primarySmtpAddress) { store -> String? in
            guard store.oof.isActive(at: Date()), store.oofRepliedTo.insert(senderUser.primarySmtpAddress).inserted else { return nil }
            return store.oof.internalReply
        } ?? nil
        guard let reply else { return }
        tenant.withStore(senderUser.primarySmtpAddress) { store in
            guard let inbox = store.folder(distinguished: "inbox") else { return }
            let now = Date()
            var message = StoredItem(id: tenant.ids.itemID(), changeKey: tenant.ids.changeKey(), folderID: inbox.id, kind: "Message",
                                     itemClass: "IPM.Note.Rules.OofTemplate.Microsoft", subject: "Automatic reply: \(item.subject)",
                                     body: reply, bodyType: "HTML", attachments: [],
                                     from: StoredAddress(name: recipient.displayName, email: recipient.primarySmtpAddress),
                                     toRecipients: [sender], ccRecipients: [], isRead: false, isDraft: false, importance: "Normal",
                                     sensitivity: "Normal", created: now, received: now)
            message.delivered = true
            store.items[message.id] = message
        }
    }
}
