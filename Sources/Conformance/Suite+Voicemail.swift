import EWSProtocol
import Foundation

/// A voicemail the suite delivered, for the checks that follow.
struct DeliveredVoicemail: Sendable {
    var mailbox: String
    var item: ItemIdentifier
    var wav: [UInt8]
    var fileName: String
}

extension Suite {
    func deliverVoicemail(_ mailbox: String) async -> (Verdict, DeliveredVoicemail?) {
        let wav = VoicemailFixture.wav(seed: runID + mailbox)
        let fileName = "audio.wav"
        let tag = RunTag(runID: runID)
        let subject = "Voice Mail from +1 425 555 0100 (1 second) \(tag.subjectMarker)"
        let op = CreateMessage(folder: .inbox, itemClass: Self.voicemailClass, subject: subject,
                               body: "You received a voice mail from +1 425 555 0100. (created by ewscheck run \(runID); safe to delete)",
                               attachments: [FileAttachmentContent(name: fileName, contentType: "audio/wav", content: wav)],
                               extendedProperties: [tag.extendedProperty])
        // The intent is on disk before the request leaves: a lost answer or a killed process still
        // leaves a trace, and the tag lets the sweep find the item.
        let attempt = ledger.recordIntent(mailbox: mailbox, subject: subject, by: CheckCatalog.voicemailDeliver)
        let call = await client.perform(op, impersonating: .primarySmtpAddress(mailbox))
        guard let m = call.messages.first, m.responseClass == .success, let item = m.payload else {
            return (failure(of: call, doing: "CreateItem of a voicemail in \(mailbox)'s Inbox"), nil)
        }
        ledger.recordCreated(mailbox: mailbox, item: item.identifier, subject: subject, by: CheckCatalog.voicemailDeliver, attempt: attempt)
        let delivered = DeliveredVoicemail(mailbox: mailbox, item: item.identifier, wav: wav, fileName: fileName)
        return (.passed("created a voicemail with a \(wav.count)-byte WAV in \(mailbox)'s Inbox", [call.exchange],
                        facts: ["wav_bytes": String(wav.count)]), delivered)
    }

    func readBack(_ v: DeliveredVoicemail) async -> Verdict {
        let get = await client.perform(GetItem(items: [v.item]), impersonating: .primarySmtpAddress(v.mailbox))
        guard let m = get.messages.first, m.responseClass == .success, let item = m.payload else {
            return failure(of: get, doing: "GetItem of the voicemail")
        }
        if item.itemClass != Self.voicemailClass {
            return .failed("the item came back with ItemClass \(item.itemClass ?? "(none)") instead of \(Self.voicemailClass)", [get.exchange])
        }
        guard let attachment = item.attachments.first(where: { $0.name == v.fileName }) else {
            return .failed("GetItem lists no attachment named \(v.fileName) (listed: \(item.attachments.compactMap(\.name).joined(separator: ", ")))", [get.exchange])
        }
        if let size = attachment.size, size != v.wav.count {
            return .failed("GetItem gives the attachment size \(size), not \(v.wav.count)", [get.exchange])
        }
        let fetch = await client.perform(GetAttachment(attachmentIDs: [attachment.id]), impersonating: .primarySmtpAddress(v.mailbox))
        guard let am = fetch.messages.first, am.responseClass == .success, let content = am.payload?.content else {
            return failure(of: fetch, doing: "GetAttachment of \(v.fileName)")
        }
        guard content == v.wav else {
            let firstDiff = zip(content, v.wav).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            return .failed("GetAttachment returned \(content.count) bytes that differ from the \(v.wav.count) delivered"
                           + (firstDiff.map { " (first difference at byte \($0))" } ?? ""), [get.exchange, fetch.exchange])
        }
        return .passed("GetItem lists \(v.fileName) and GetAttachment returns the same \(content.count) bytes", [get.exchange, fetch.exchange],
                       facts: ["bytes": String(content.count), "content_type": am.payload?.contentType ?? ""])
    }

    func delete(_ v: DeliveredVoicemail) async -> Verdict {
        let del = await client.perform(DeleteItem(items: [ItemIdentifier(id: v.item.id)]), impersonating: .primarySmtpAddress(v.mailbox))
        guard let m = del.messages.first, m.responseClass == .success else {
            return failure(of: del, doing: "DeleteItem (HardDelete) of the voicemail")
        }
        let get = await client.perform(GetItem(items: [ItemIdentifier(id: v.item.id)]), impersonating: .primarySmtpAddress(v.mailbox))
        if let gm = get.messages.first, gm.responseCode == "ErrorItemNotFound" {
            // Only a confirmed removal leaves the ledger; anything else is retried by the cleanup.
            ledger.recordRemoved(itemID: v.item.id)
            return .passed("DeleteItem answered NoError and GetItem now answers ErrorItemNotFound", [del.exchange, get.exchange])
        }
        if let gm = get.messages.first, gm.responseClass == .success {
            return .failed("DeleteItem answered NoError but the item is still there", [del.exchange, get.exchange])
        }
        return .failed("after DeleteItem, GetItem answered \(get.summary) instead of ErrorItemNotFound", [del.exchange, get.exchange])
    }
}
