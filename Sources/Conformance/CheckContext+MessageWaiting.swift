import EWSProtocol
import EWSTransport
import Foundation

extension CheckContext {
    func createdUnread(_ mailbox: String) async -> Verdict {
        var evidence: [HTTPExchange?] = []
        do throws(VerdictBox) {
            let (before, x1) = try await unreadCount(mailbox, when: "before the voicemail").get()
            let (created, x2) = try await createVoicemail(mailbox, by: CheckCatalog.messageWaitingCreatedUnread, note: "unread").get()
            evidence += [x1, x2]
            let (stored, x3) = try await details(mailbox, created.item, what: "GetItem of the unread voicemail").get()
            evidence.append(x3)
            var facts = ["unread_before": String(before)]
            guard let isRead = stored.isRead else {
                return .failed("GetItem of the voicemail gives no IsRead, so a client cannot tell whether it was listened to", evidence, facts: facts)
            }
            guard !isRead else {
                return .failed("the voicemail was created with IsRead=false, but the provider stored it as read (IsRead=true): the lamp would not light",
                               evidence, facts: facts)
            }
            let (after, x4) = try await unreadCount(mailbox, when: "after the voicemail").get()
            evidence.append(x4)
            facts["unread_after"] = String(after)
            guard after == before + 1 else {
                return .failed("the Inbox UnreadCount went from \(before) to \(after) with one new unread voicemail, not to \(before + 1)", evidence, facts: facts)
            }
            contactCenter.setUnread(.init(item: stored.identifier, unreadAfter: after), mailbox: mailbox)
            return .passed("a voicemail created with IsRead=false reads back unread and the Inbox UnreadCount went from \(before) to \(after)",
                           evidence, facts: facts)
        } catch {
            return error.verdict.citing(before: evidence)
        }
    }

    func readClears(_ mailbox: String) async -> Verdict {
        guard let unread = contactCenter.unreadVoicemail(mailbox) else { return .errored("no unread voicemail to mark read") }
        var evidence: [HTTPExchange?] = []
        do throws(VerdictBox) {
            let update = await client.perform(UpdateReadFlag(items: [unread.item], isRead: true), impersonating: connectingSID(mailbox))
            evidence.append(update.exchange)
            guard update.messages.count == 1, let m = update.messages.first, m.responseClass == .success else {
                return failure(of: update, doing: "UpdateItem message:IsRead=true of the voicemail")
            }
            let (stored, x2) = try await details(mailbox, unread.item, what: "GetItem of the voicemail after UpdateItem").get()
            evidence.append(x2)
            guard stored.isRead == true else {
                return .failed("UpdateItem answered NoError, but the voicemail still reads IsRead=\(stored.isRead.map(String.init) ?? "(absent)"): the read flag was not stored",
                               evidence)
            }
            let (after, x3) = try await unreadCount(mailbox, when: "after the voicemail was marked read").get()
            evidence.append(x3)
            let facts = ["unread_before": String(unread.unreadAfter), "unread_after": String(after)]
            guard after == unread.unreadAfter - 1 else {
                return .failed("the voicemail reads IsRead=true, but the Inbox UnreadCount went from \(unread.unreadAfter) to \(after), not to \(unread.unreadAfter - 1): the lamp stays on",
                               evidence, facts: facts)
            }
            return .passed("UpdateItem IsRead=true took: the voicemail reads back read and the Inbox UnreadCount fell from \(unread.unreadAfter) to \(after)",
                           evidence, facts: facts)
        } catch {
            return error.verdict.citing(before: evidence)
        }
    }

    func markAllRead(_ mailbox: String) async -> Verdict {
        let created = CreatedItems()
        return await withScratchFolder(mailbox, purpose: "message waiting", items: created) { folder in
            var evidence: [HTTPExchange?] = []
            do throws(VerdictBox) {
                var items: [ItemIdentifier] = []
                for n in 1...2 {
                    let (made, x) = try await createVoicemail(mailbox, in: folder, by: CheckCatalog.messageWaitingMarkAllRead, note: "unread \(n) of 2").get()
                    evidence.append(x)
                    items.append(made.item)
                    created.append(made.item)
                }
                let (before, x1) = try await unreadCount(mailbox, folder: folder, when: "with two unread voicemails").get()
                evidence.append(x1)
                guard before == 2 else {
                    return .failed("a new folder holding two voicemails created unread shows UnreadCount \(before), not 2", evidence,
                                   facts: ["unread_before": String(before)])
                }
                let mark = await client.perform(MarkAllItemsAsRead(folders: [folder]), impersonating: connectingSID(mailbox))
                evidence.append(mark.exchange)
                guard mark.messages.count == 1, let m = mark.messages.first, m.responseClass == .success else {
                    return failure(of: mark, doing: "MarkAllItemsAsRead of the folder").citing(before: evidence.dropLast())
                }
                let (after, x2) = try await unreadCount(mailbox, folder: folder, when: "after MarkAllItemsAsRead").get()
                evidence.append(x2)
                var stillUnread = 0
                var flagAbsent = 0
                for item in items {
                    let (d, x) = try await details(mailbox, item, properties: [], what: "GetItem of a voicemail after MarkAllItemsAsRead").get()
                    evidence.append(x)
                    if d.isRead == false { stillUnread += 1 }
                    if d.isRead == nil { flagAbsent += 1 }
                }
                let facts = ["unread_before": String(before), "unread_after": String(after), "items_still_unread": String(stillUnread)]
                guard after == 0, stillUnread == 0 else {
                    return .failed("MarkAllItemsAsRead answered NoError, but the folder's UnreadCount is \(after) (was 2) and \(stillUnread) of 2 voicemails still read IsRead=false",
                                   evidence, facts: facts)
                }
                guard flagAbsent == 0 else {
                    return .failed("the folder's UnreadCount fell to 0, but GetItem gives no IsRead for \(flagAbsent) of the 2 voicemails, so a client cannot confirm them read",
                                   evidence, facts: facts)
                }
                return .passed("MarkAllItemsAsRead cleared the folder: UnreadCount 2 → 0, both voicemails read back IsRead=true", evidence, facts: facts)
            } catch {
                return error.verdict.citing(before: evidence)
            }
        }
    }
}
