import EWSProtocol
import Foundation

/// A voicemail the suite delivered, for the checks that follow. The run keeps one per mailbox
/// until it ends, so not its 8 KB WAV: the WAV is made again from its seed when it is compared.
struct DeliveredVoicemail: Sendable {
    var mailbox: String
    var item: ItemIdentifier
    /// What the WAV was made from (``VoicemailFixture/wav(seconds:seed:)``).
    var seed: String
    /// The WAV's length in bytes.
    var wavBytes: Int
    var fileName: String

    /// The WAV delivered, made again.
    var wav: [UInt8] { VoicemailFixture.wav(seed: seed) }
}

extension CheckContext {
    /// The Inbox unread count rises by one with a new voicemail (what message-waiting lamps read).
    func messageWaiting(_ mailbox: String, before: Int?) async -> Verdict {
        let call = await client.perform(GetFolder(folders: [.inbox]), impersonating: connectingSID(mailbox))
        guard let m = call.messages.first, m.responseClass == .success, let folder = m.payload else {
            return failure(of: call, doing: "GetFolder(Inbox) after the voicemail")
        }
        guard let after = folder.unreadCount, let before else {
            return .failed("GetFolder(Inbox) of \(mailbox) gives no UnreadCount, so a message-waiting lamp cannot be driven from it", [call.exchange],
                           facts: ["unread_count": "absent"])
        }
        guard after == before + 1 else {
            return .failed("the Inbox unread count went from \(before) to \(after) after one new voicemail, not to \(before + 1)", [call.exchange],
                           facts: ["unread_before": String(before), "unread_after": String(after)])
        }
        return .passed("the Inbox unread count went from \(before) to \(after) with the new voicemail", [call.exchange],
                       facts: ["unread_before": String(before), "unread_after": String(after)])
    }

    func deliverVoicemail(_ mailbox: String) async -> (Verdict, DeliveredVoicemail?) {
        let seed = runID + mailbox
        let wav = VoicemailFixture.wav(seed: seed)
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
        let call = await client.perform(op, impersonating: connectingSID(mailbox))
        guard let m = call.messages.first, m.responseClass == .success, let item = m.payload else {
            return (failure(of: call, doing: "CreateItem of a voicemail in \(mailbox)'s Inbox"), nil)
        }
        ledger.recordCreated(mailbox: mailbox, item: item.identifier, subject: subject, by: CheckCatalog.voicemailDeliver, attempt: attempt)
        let delivered = DeliveredVoicemail(mailbox: mailbox, item: item.identifier, seed: seed, wavBytes: wav.count, fileName: fileName)
        // NoError is the provider's word; what it stored is the proof.
        let get = await client.perform(GetItem(items: [item.identifier]), impersonating: connectingSID(mailbox))
        guard let gm = get.messages.first, gm.responseClass == .success, let stored = gm.payload else {
            var failed = failure(of: get, doing: "GetItem of the voicemail CreateItem just answered with")
            failed.exchanges.insert(contentsOf: [call.exchange].compactMap { $0 }, at: 0)
            return (failed, delivered)
        }
        var missing = Self.differences(stored, asked: item.identifier.id, itemClass: Self.voicemailClass, fileName: fileName, bytes: wav.count)
        if stored.subject.map({ $0 != subject }) == true { missing.append("the subject came back as \"\(stored.subject ?? "")\"") }
        var facts = ["wav_bytes": String(wav.count)]
        if !missing.isEmpty {
            facts["stored_differences"] = missing.joined(separator: "; ")
            return (.failed("CreateItem answered NoError, but the stored voicemail is not what was sent: " + missing.joined(separator: "; "),
                            [call.exchange, get.exchange], facts: facts), delivered)
        }
        return (.passed("created a voicemail with a \(wav.count)-byte WAV in \(mailbox)'s Inbox; GetItem shows it stored with its ItemClass and attachment",
                        [call.exchange, get.exchange], facts: facts), delivered)
    }

    /// What a stored item lacks compared with what was sent, in words (empty: nothing).
    static func differences(_ item: ItemInfo, asked id: String, itemClass: String, fileName: String, bytes: Int) -> [String] {
        var problems: [String] = []
        if item.identifier.id != id { problems.append("GetItem answered with another item (ItemId …\(item.identifier.id.suffix(12)), asked for …\(id.suffix(12)))") }
        if item.itemClass != itemClass { problems.append("ItemClass is \(item.itemClass ?? "(none)"), not \(itemClass)") }
        if let attachment = item.attachments.first(where: { $0.name == fileName }) {
            if let size = attachment.size, size != bytes { problems.append("the attachment \(fileName) is \(size) bytes, not \(bytes)") }
        } else if item.attachments.isEmpty {
            problems.append("the attachment \(fileName) is missing (the item has no attachments\(item.hasAttachments == true ? " listed, although HasAttachments is true" : ""))")
        } else {
            problems.append("the attachment \(fileName) is missing (attachments: \(item.attachments.map { $0.name ?? "(unnamed)" }.joined(separator: ", ")))")
        }
        return problems
    }

    func readBack(_ v: DeliveredVoicemail) async -> Verdict {
        let get = await client.perform(GetItem(items: [v.item]), impersonating: connectingSID(v.mailbox))
        guard let m = get.messages.first, m.responseClass == .success, let item = m.payload else {
            return failure(of: get, doing: "GetItem of the voicemail")
        }
        let missing = Self.differences(item, asked: v.item.id, itemClass: Self.voicemailClass, fileName: v.fileName, bytes: v.wavBytes)
        guard missing.isEmpty, let attachment = item.attachments.first(where: { $0.name == v.fileName }) else {
            return .failed("GetItem of the voicemail: " + missing.joined(separator: "; "), [get.exchange],
                           facts: ["stored_differences": missing.joined(separator: "; ")])
        }
        let fetch = await client.perform(GetAttachment(attachmentIDs: [attachment.id]), impersonating: connectingSID(v.mailbox))
        guard let am = fetch.messages.first, am.responseClass == .success, let content = am.payload?.content else {
            return failure(of: fetch, doing: "GetAttachment of \(v.fileName)")
        }
        let wav = v.wav
        guard content == wav else {
            let firstDiff = zip(content, wav).enumerated().first { $0.element.0 != $0.element.1 }?.offset
            return .failed("GetAttachment returned \(content.count) bytes that differ from the \(wav.count) delivered"
                           + (firstDiff.map { " (first difference at byte \($0))" } ?? ""), [get.exchange, fetch.exchange])
        }
        return .passed("GetItem lists \(v.fileName) and GetAttachment returns the same \(content.count) bytes", [get.exchange, fetch.exchange],
                       facts: ["bytes": String(content.count), "content_type": am.payload?.contentType ?? ""])
    }

    func delete(_ v: DeliveredVoicemail) async -> Verdict {
        let del = await client.perform(DeleteItem(items: [ItemIdentifier(id: v.item.id)]), impersonating: connectingSID(v.mailbox))
        guard let m = del.messages.first, m.responseClass == .success else {
            return failure(of: del, doing: "DeleteItem (HardDelete) of the voicemail")
        }
        let get = await client.perform(GetItem(items: [ItemIdentifier(id: v.item.id)]), impersonating: connectingSID(v.mailbox))
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
