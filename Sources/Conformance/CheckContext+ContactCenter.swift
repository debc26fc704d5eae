private import EWSExecutor
import EWSProtocol
import EWSTransport
import Foundation
import Synchronization

/// Building blocks of the contact-center checks: tagged and ledgered creation, unread counts,
/// read-backs, and folders the suite creates and proves removed.
extension CheckContext {
    /// What the contact-center checks hand to later ones.
    var contactCenter: ContactCenterState { state.contactCenter }

    /// A message the suite created and ledgered.
    struct CreatedMessage: Sendable {
        var mailbox: String
        var item: ItemIdentifier
        var subject: String
    }

    /// Sends a CreateItem, with the intent in the ledger before it leaves and the id after.
    func createLedgered<Op: EWSOperation>(_ operation: Op, mailbox: String, subject: String, by check: CheckID,
                                          what: String) async -> Result<(CreatedMessage, HTTPExchange?), VerdictBox> where Op.Payload == ItemInfo {
        let attempt = ledger.recordIntent(mailbox: mailbox, subject: subject, by: check)
        let call = await client.perform(operation, impersonating: connectingSID(mailbox))
        guard call.messages.count == 1, let m = call.messages.first, m.responseClass == .success else {
            return .failure(VerdictBox(failure(of: call, doing: what)))
        }
        guard let item = m.payload else {
            // The item may exist: the ledger keeps the unanswered intent for the sweep.
            return .failure(VerdictBox(.failed("\(what) answered \(m.responseCode) without the new item's id", [call.exchange],
                                               facts: Self.callFacts(call))))
        }
        ledger.recordCreated(mailbox: mailbox, item: item.identifier, subject: subject, by: check, attempt: attempt)
        return .success((CreatedMessage(mailbox: mailbox, item: item.identifier, subject: subject), call.exchange))
    }

    /// A tagged voicemail (WAV attached, IsRead=false stated) created in a folder of a mailbox.
    func createVoicemail(_ mailbox: String, in folder: FolderIdentifier = .inbox, by check: CheckID,
                         note: String) async -> Result<(CreatedMessage, HTTPExchange?), VerdictBox> {
        let tag = RunTag(runID: runID)
        let subject = "Voice Mail from \(ProductProperties.caller) (1 second) \(note) \(tag.subjectMarker)"
        let op = CreateMessage(folder: folder, itemClass: Self.voicemailClass, subject: subject,
                               body: "You received a voice mail. (created by ewscheck run \(runID); safe to delete)",
                               attachments: [FileAttachmentContent(name: "audio.wav", contentType: "audio/wav",
                                                                   content: VoicemailFixture.wav(seconds: 0.25, seed: runID + mailbox + note))],
                               extendedProperties: ProductProperties.stamped(tag: tag, seconds: 1))
        return await createLedgered(op, mailbox: mailbox, subject: subject, by: check, what: "CreateItem of an unread voicemail in \(mailbox)'s \(folder)")
    }

    /// A folder's UnreadCount, or the verdict saying why it cannot be read.
    func unreadCount(_ mailbox: String, folder: FolderIdentifier = .inbox, when: String) async -> Result<(Int, HTTPExchange?), VerdictBox> {
        let call = await client.perform(GetFolder(folders: [folder]), impersonating: connectingSID(mailbox))
        guard call.messages.count == 1, let m = call.messages.first, m.responseClass == .success, let info = m.payload else {
            return .failure(VerdictBox(failure(of: call, doing: "GetFolder(\(folder)) of \(mailbox) \(when)")))
        }
        guard let count = info.unreadCount else {
            return .failure(VerdictBox(.failed("GetFolder(\(folder)) of \(mailbox) \(when) gives no UnreadCount: a message-waiting lamp cannot be driven from it",
                                               [call.exchange], facts: ["unread_count": "absent"])))
        }
        return .success((count, call.exchange))
    }

    /// GetItem of one message with the product's fields.
    func details(_ mailbox: String, _ item: ItemIdentifier, properties: [ExtendedPropertyPath] = ProductProperties.readBack,
                 what: String) async -> Result<(MessageDetails, HTTPExchange?), VerdictBox> {
        let call = await client.perform(GetMessageDetails(items: [item], properties: properties), impersonating: connectingSID(mailbox))
        guard call.messages.count == 1, let m = call.messages.first, m.responseClass == .success, let d = m.payload else {
            return .failure(VerdictBox(failure(of: call, doing: what)))
        }
        guard d.identifier.id == item.id else {
            return .failure(VerdictBox(.failed("\(what): GetItem answered with another item (ItemId …\(d.identifier.id.suffix(12)), asked for …\(item.id.suffix(12)))",
                                               [call.exchange])))
        }
        return .success((d, call.exchange))
    }

    /// Whether an item is gone: GetItem answers ErrorItemNotFound (then the ledger forgets it).
    func provenGone(_ mailbox: String, _ item: ItemIdentifier) async -> (Bool, String, HTTPExchange?) {
        let call = await client.perform(GetItem(items: [ItemIdentifier(id: item.id)], shape: .idOnly), impersonating: connectingSID(mailbox))
        if let m = call.messages.first, m.responseCode == "ErrorItemNotFound" {
            ledger.recordRemoved(itemID: item.id)
            return (true, "ErrorItemNotFound", call.exchange)
        }
        return (false, call.summary, call.exchange)
    }

    /// Runs `body` with a mail folder the suite creates under the mailbox's Inbox (named with the
    /// run marker), then removes the folder (HardDelete, with whatever is in it) and proves it gone.
    /// A folder left behind turns a pass into a failure; items the body ledgered inside it leave
    /// the ledger once GetItem proves them gone.
    func withScratchFolder(_ mailbox: String, purpose: String, items: CreatedItems = CreatedItems(),
                           _ body: (FolderIdentifier) async -> Verdict) async -> Verdict {
        let name = "ewscheck \(purpose) \(RunTag(runID: runID).subjectMarker)"
        let create = await client.perform(CreateFolder(parent: .inbox, displayName: name), impersonating: connectingSID(mailbox))
        guard let m = create.messages.first, create.messages.count == 1, m.responseClass == .success, let folder = m.payload else {
            return failure(of: create, doing: "CreateFolder \"\(name)\" under \(mailbox)'s Inbox")
        }
        let id = FolderIdentifier.id(folder.id, changeKey: folder.changeKey)
        var verdict = await body(id)
        verdict.exchanges.insert(contentsOf: [create.exchange].compactMap { $0 }, at: 0)
        let delete = await client.perform(DeleteFolder(folders: [FolderIdentifier.id(folder.id, changeKey: nil)]), impersonating: connectingSID(mailbox))
        let check = await client.perform(GetFolder(folders: [FolderIdentifier.id(folder.id, changeKey: nil)], shape: .idOnly), impersonating: connectingSID(mailbox))
        verdict.exchanges += [delete.exchange, check.exchange].compactMap { $0 }
        let gone = check.messages.first.map { ["ErrorItemNotFound", "ErrorFolderNotFound"].contains($0.responseCode) } ?? false
        for item in items.all {
            let (_, _, x) = await provenGone(mailbox, item)
            if let x { verdict.exchanges.append(x) }
        }
        if !gone {
            verdict.facts["folder_left"] = name
            let why = delete.messages.first?.responseClass == .success
                ? "DeleteFolder answered NoError but GetFolder still answers \(check.summary)" : "DeleteFolder answered \(delete.summary)"
            if verdict.outcome == .passed {
                verdict.outcome = .failed
                verdict.message = "the folder \"\(name)\" the check created could not be removed (\(why)); the check itself found: \(verdict.message)"
            } else {
                verdict.message += "; the folder \"\(name)\" could not be removed either (\(why))"
            }
        }
        return verdict
    }
}

extension CheckContext {
    /// The final cleanup's sweep for folders of this run that a check could not remove itself
    /// (interrupted in the middle), in every mailbox the run wrote to.
    /// Its exchanges go to the evidence spool as they are made (`cited`), not into the result.
    func sweepScratchFolders(citing cited: inout CitedExchanges) async -> ScratchFolderSweep.Result {
        var all = ScratchFolderSweep.Result()
        let sweep = ScratchFolderSweep(client: client, selection: .run(runID))
        let attempted = Set(ledger.attempts.map(\.mailbox))
        for mailbox in target.mailboxes where attempted.contains(mailbox) {
            let r = await sweep.sweep(mailbox: mailbox, as: connectingSID(mailbox))
            all.confirmed += r.confirmed
            all.problems += r.problems
            await cited.add(r.exchanges)
        }
        return all
    }

    /// The cleanup's verdict with the folder sweep's findings: a folder left behind fails it.
    static func noting(_ folders: ScratchFolderSweep.Result, in verdict: Verdict) -> Verdict {
        var v = verdict
        if !folders.confirmed.isEmpty { v.facts["folders_removed"] = String(folders.confirmed.count - folders.left.count) }
        if !folders.problems.isEmpty { v.facts["folder_sweep_problems"] = folders.problems.joined(separator: "; ") }
        guard !folders.left.isEmpty else { return v }
        v.facts["folders_left"] = folders.left.joined(separator: ", ")
        let text = "\(folders.left.count) folder(s) the suite created could not be removed: " + folders.left.map { "\"\($0)\"" }.joined(separator: ", ")
        if v.outcome == .passed {
            v.outcome = .failed
            v.message = text
        } else {
            v.message += "; " + text
        }
        return v
    }
}

/// Items a check created inside a scratch folder, proven gone after the folder is removed.
final class CreatedItems: Sendable {
    private let items = Mutex([ItemIdentifier]())
    func append(_ item: ItemIdentifier) { items.locked { $0.append(item) } }
    var all: [ItemIdentifier] { items.locked { $0 } }
}

/// A verdict carried through `Result` (which needs an `Error`).
struct VerdictBox: Error {
    var verdict: Verdict
    init(_ verdict: Verdict) { self.verdict = verdict }
}

extension Verdict {
    /// The verdict with earlier exchanges of the same check cited before its own.
    func citing(before earlier: [HTTPExchange?]) -> Verdict {
        var v = self
        v.exchanges.insert(contentsOf: earlier.compactMap { $0 }, at: 0)
        return v
    }
}
