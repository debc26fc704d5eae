import EWSProtocol
import EWSTransport
import Foundation

extension CheckContext {
    /// What is delivered.
    enum DeliveryKind: Sendable {
        case voicemail, fax

        var itemClass: String { self == .voicemail ? CheckContext.voicemailClass : CheckContext.faxClass }
        var fileName: String { self == .voicemail ? "voicemail.wav" : "fax.tif" }
        var contentType: String { self == .voicemail ? "audio/wav" : "image/tiff" }
        var sender: String { self == .voicemail ? "voicemail-gateway@ewscheck.invalid" : "fax-gateway@ewscheck.invalid" }
        var noun: String { self == .voicemail ? "voicemail" : "fax" }
        /// The checks that leave items of this kind in the Inbox (for the filtered FindItem).
        var creators: Set<CheckID> {
            self == .voicemail ? [CheckCatalog.voicemailDeliver, CheckCatalog.deliveryVoicemailCreateItem, CheckCatalog.deliveryVoicemailMIME]
                : [CheckCatalog.deliveryFaxCreateItem, CheckCatalog.deliveryFaxMIME]
        }
    }

    /// How it is delivered.
    enum DeliveryMethod: Sendable { case createItem, mime }

    static let faxClass = "IPM.Note.Microsoft.Fax.CA"

    func deliver(_ kind: DeliveryKind, by method: DeliveryMethod, to mailbox: String) async -> Verdict {
        let tag = RunTag(runID: runID)
        let check = switch (kind, method) {
        case (.voicemail, .createItem): CheckCatalog.deliveryVoicemailCreateItem
        case (.fax, .createItem): CheckCatalog.deliveryFaxCreateItem
        case (.voicemail, .mime): CheckCatalog.deliveryVoicemailMIME
        case (.fax, .mime): CheckCatalog.deliveryFaxMIME
        }
        let seed = runID + mailbox + (method == .mime ? "mime" : "create")
        let content = kind == .voicemail ? VoicemailFixture.wav(seconds: 0.25, seed: seed) : FaxFixture.tiff(seed: seed)
        let seconds = kind == .voicemail ? 1 : 7
        let subject = kind == .voicemail ? "Voice Mail from \(ProductProperties.caller) (\(seconds) seconds) \(tag.subjectMarker)"
            : "Fax from \(ProductProperties.caller) (1 page) \(tag.subjectMarker)"
        let properties = ProductProperties.stamped(tag: tag, seconds: seconds)
        let body = "You received a \(kind.noun) from \(ProductProperties.caller). (created by ewscheck run \(runID); safe to delete)"
        let how = method == .mime ? "CreateItem of a \(kind.noun) uploaded as MIME" : "CreateItem of a \(kind.noun) with a file attachment"
        var evidence: [HTTPExchange?] = []
        do throws(VerdictBox) {
            let created: CreatedMessage
            switch method {
            case .createItem:
                let op = CreateMessage(folder: .inbox, itemClass: kind.itemClass, subject: subject, body: body,
                                       attachments: [FileAttachmentContent(name: kind.fileName, contentType: kind.contentType, content: content)],
                                       from: kind.sender, extendedProperties: properties)
                let (made, x) = try await createLedgered(op, mailbox: mailbox, subject: subject, by: check, what: "\(how) in \(mailbox)'s Inbox").get()
                created = made
                evidence.append(x)
            case .mime:
                let mime = DeliveryMIME.message(from: "Gateway <\(kind.sender)>", to: mailbox, subject: subject, text: body, fileName: kind.fileName,
                                                contentType: kind.contentType, content: content, runID: runID)
                let op = CreateMimeMessage(folder: .inbox, mime: mime, itemClass: kind.itemClass, extendedProperties: properties)
                let (made, x) = try await createLedgered(op, mailbox: mailbox, subject: subject, by: check, what: "\(how) in \(mailbox)'s Inbox").get()
                created = made
                evidence.append(x)
            }
            let (stored, x2) = try await details(mailbox, created.item, what: "GetItem of the \(kind.noun) just created").get()
            evidence.append(x2)
            var differences: [String] = []
            if stored.itemClass != kind.itemClass { differences.append("ItemClass is \(stored.itemClass ?? "(absent)"), not \(kind.itemClass)") }
            if stored.subject != subject { differences.append("the subject came back as \"\(stored.subject ?? "(absent)")\"") }
            if stored.from?.lowercased() != kind.sender { differences.append("the sender came back as \(stored.from ?? "(absent)"), not \(kind.sender)") }
            for (path, value) in properties where stored.extended[path] != value {
                differences.append("the extended property \(path.name) came back as \(stored.extended[path].map { "\"\($0)\"" } ?? "(absent)"), not \"\(value)\"")
            }
            let attachment = stored.attachments.first { $0.name == kind.fileName }
            if attachment == nil {
                differences.append("the attachment \(kind.fileName) is missing (attachments: \(stored.attachments.isEmpty ? "none" : stored.attachments.map { $0.name ?? "(unnamed)" }.joined(separator: ", ")))")
            }
            var facts = ["bytes_sent": String(content.count), "method": method == .mime ? "MimeContent" : "CreateItem with FileAttachment"]
            if let attachment {
                let fetch = await client.perform(GetAttachment(attachmentIDs: [attachment.id]), impersonating: connectingSID(mailbox))
                evidence.append(fetch.exchange)
                guard let am = fetch.messages.first, am.responseClass == .success, let bytes = am.payload?.content else {
                    return failure(of: fetch, doing: "GetAttachment of \(kind.fileName)").citing(before: evidence.dropLast())
                }
                facts["bytes_read"] = String(bytes.count)
                if bytes != content {
                    let first = zip(bytes, content).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(bytes.count, content.count)
                    differences.append("GetAttachment returned \(bytes.count) bytes that differ from the \(content.count) sent (first difference at byte \(first))")
                }
            }
            guard differences.isEmpty else {
                facts["stored_differences"] = differences.joined(separator: "; ")
                return .failed("\(how) answered NoError, but what reads back is not what was delivered: " + differences.joined(separator: "; "), evidence, facts: facts)
            }
            return .passed("\(how) in \(mailbox)'s Inbox reads back identically: \(kind.itemClass), subject, sender \(kind.sender), caller number, duration and run tag, and the \(content.count)-byte \(kind.fileName)",
                           evidence, facts: facts)
        } catch {
            return error.verdict.citing(before: evidence)
        }
    }

    func filteredFind(_ mailbox: String) async -> Verdict {
        var evidence: [HTTPExchange?] = []
        var problems: [String] = []
        var facts: [String: String] = [:]
        let delivered = ledger.outstanding.filter { $0.mailbox == mailbox && (DeliveryKind.voicemail.creators.union(DeliveryKind.fax.creators)).contains($0.createdBy) }
        guard !delivered.isEmpty else {
            return .skipped("this run delivered no voicemail or fax to \(mailbox) (read-only, or the deliveries were left out or failed), so there is nothing to find")
        }
        for kind in [DeliveryKind.voicemail, .fax] {
            let expected = Set(ledger.outstanding.filter { $0.mailbox == mailbox && kind.creators.contains($0.createdBy) }.map(\.itemID))
            let call = await client.perform(FindItemsOfClass(folder: .inbox, itemClass: kind.itemClass, property: RunTag.property, value: runID),
                                            impersonating: connectingSID(mailbox))
            evidence.append(call.exchange)
            guard call.messages.count == 1, let m = call.messages.first, m.responseClass == .success, let page = m.payload else {
                return failure(of: call, doing: "FindItem of \(kind.noun)s (Restriction on ItemClass and the run tag) in \(mailbox)'s Inbox")
                    .citing(before: evidence.dropLast())
            }
            let found = Set(page.items.map(\.id))
            facts["\(kind.noun)_expected"] = String(expected.count)
            facts["\(kind.noun)_found"] = String(found.count)
            let missing = expected.subtracting(found)
            let extra = page.items.filter { !expected.contains($0.id) }
            if !missing.isEmpty { problems.append("\(missing.count) of the \(expected.count) \(kind.noun)s delivered are missing from the answer") }
            if !extra.isEmpty {
                problems.append("\(extra.count) \(kind.noun) item(s) were returned that this run did not deliver (\(extra.prefix(3).map { "\($0.itemClass ?? "?") \"\($0.subject ?? "")\"" }.joined(separator: ", ")))")
            }
            if page.includesLastItemInRange == false { problems.append("the \(kind.noun) answer does not include the last item in range") }
        }
        guard problems.isEmpty else {
            return .failed("FindItem with a Restriction on ItemClass and the run tag: " + problems.joined(separator: "; "), evidence, facts: facts)
        }
        return .passed("FindItem with a Restriction on ItemClass and the run tag returns exactly the \(facts["voicemail_found"] ?? "0") voicemail(s) and \(facts["fax_found"] ?? "0") fax(es) delivered",
                       evidence, facts: facts)
    }
}
