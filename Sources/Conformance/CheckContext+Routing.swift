import EWSProtocol
import EWSTransport
import Foundation

extension CheckContext {
    /// How long a sent message may take to arrive: 30 s, or the target's request time limit when
    /// that is shorter (never under 2 s) — a run told to give up on a request after 3 s does not
    /// wait 30 s for a delivery.
    var deliveryWait: Duration { .milliseconds(Int(min(30, max(2, target.timeout.request)) * 1000)) }

    /// A tagged plain message in a mailbox's Inbox, for the routing checks.
    func createNote(_ mailbox: String, by check: CheckID, purpose: String) async -> Result<(CreatedMessage, HTTPExchange?), VerdictBox> {
        let tag = RunTag(runID: runID)
        let subject = "ewscheck \(purpose) \(tag.subjectMarker)"
        let op = CreateMessage(folder: .inbox, subject: subject, body: "Created by ewscheck run \(runID) to test \(purpose); safe to delete.",
                               extendedProperties: [tag.extendedProperty])
        return await createLedgered(op, mailbox: mailbox, subject: subject, by: check, what: "CreateItem of a message in \(mailbox)'s Inbox")
    }

    /// A search for the sent message in one folder: by its subject (which carries the run marker),
    /// each candidate's run tag confirmed with GetItem. Providers that cannot search extended
    /// properties are still served; a filter alone is never trusted.
    struct TaggedSearch {
        var item: ItemIdentifier?
        var problem: Verdict?
        var exchanges: [HTTPExchange?]
    }

    func findTagged(_ mailbox: String, folder: String, subject: String) async -> TaggedSearch {
        let find = await client.perform(FindItemsBySubject(folder: .distinguished(folder), subject: subject), impersonating: connectingSID(mailbox))
        guard find.messages.count == 1, let m = find.messages.first, m.responseClass == .success, let page = m.payload else {
            return TaggedSearch(problem: failure(of: find, doing: "FindItem for the sent message (by its subject) in \(mailbox)'s \(folder)"),
                                exchanges: [find.exchange])
        }
        let candidates = page.items.filter { $0.subject == subject }.map(\.identifier)
        guard !candidates.isEmpty else { return TaggedSearch(exchanges: [find.exchange]) }
        let confirm = await client.perform(GetItemProperty(items: candidates, property: RunTag.property), impersonating: connectingSID(mailbox))
        let item = confirm.messages.compactMap(\.payload).first { $0.value == runID }?.identifier
        return TaggedSearch(item: item, exchanges: [find.exchange, confirm.exchange])
    }

    func sendAndSaveCopy() async -> Verdict {
        guard let sender = target.mailboxes.first else { return .skipped("no mailbox to send from") }
        let recipient = target.mailboxes.dropFirst().first ?? sender
        let tag = RunTag(runID: runID)
        let subject = "ewscheck routing from \(sender) to \(recipient) \(tag.subjectMarker)"
        // Exchange returns no id for a sent message: both copies are ledgered as intents and
        // answered once found by their tag, or the cleanup's sweep must account for them.
        let sentAttempt = ledger.recordIntent(mailbox: sender, subject: subject, by: CheckCatalog.routingSendAndSaveCopy)
        let deliveredAttempt = ledger.recordIntent(mailbox: recipient, subject: subject, by: CheckCatalog.routingSendAndSaveCopy)
        let send = await client.perform(SendMessage(subject: subject, body: "Sent by ewscheck run \(runID) to test routing; safe to delete.",
                                                    to: [recipient], extendedProperties: [tag.extendedProperty]),
                                        impersonating: connectingSID(sender))
        let sentAt = ContinuousClock.now
        guard send.messages.count == 1, let m = send.messages.first, m.responseClass == .success else {
            return failure(of: send, doing: "CreateItem SendAndSaveCopy from \(sender) to \(recipient)")
        }
        var evidence: [HTTPExchange?] = [send.exchange]
        var facts = ["sender": sender, "recipient": recipient]
        var arrived: ItemIdentifier?
        var last = TaggedSearch(exchanges: [])
        var polls = 0
        while arrived == nil {
            last = await findTagged(recipient, folder: "inbox", subject: subject)
            if last.problem != nil { break }
            // Every search is evidence (a provider that delivers late is seen polling).
            evidence += last.exchanges
            polls += 1
            arrived = last.item
            if arrived != nil || ContinuousClock.now - sentAt > deliveryWait { break }
            try? await Task.sleep(for: .milliseconds(250))
            if Task.isCancelled { break }
        }
        facts["inbox_searches"] = String(polls)
        if let problem = last.problem { return problem.citing(before: evidence) }
        guard let arrived else {
            return .failed("the message sent from \(sender) did not arrive in \(recipient)'s Inbox within \(deliveryWait.components.seconds) s (searched by its subject, run tag confirmed)",
                           evidence, facts: facts)
        }
        let elapsed = ContinuousClock.now - sentAt
        facts["delivery_ms"] = String(Int(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15))
        ledger.recordCreated(mailbox: recipient, item: arrived, subject: subject, by: CheckCatalog.routingSendAndSaveCopy, attempt: deliveredAttempt)
        let sent = await findTagged(sender, folder: "sentitems", subject: subject)
        if let problem = sent.problem { return problem.citing(before: evidence) }
        evidence += sent.exchanges
        guard let copy = sent.item else {
            return .failed("the message arrived in \(recipient)'s Inbox after \(facts["delivery_ms"] ?? "?") ms, but SendAndSaveCopy left no copy in \(sender)'s Sent Items",
                           evidence, facts: facts)
        }
        ledger.recordCreated(mailbox: sender, item: copy, subject: subject, by: CheckCatalog.routingSendAndSaveCopy, attempt: sentAttempt)
        return .passed("sent from \(sender) to \(recipient): in the Inbox after \(facts["delivery_ms"] ?? "?") ms, with a copy in Sent Items", evidence, facts: facts)
    }

    /// MoveItem with its proofs: the new id returned, the old one gone, the item readable.
    private func move(_ mailbox: String, _ item: ItemIdentifier, to folder: FolderIdentifier, label: String,
                      subject: String) async -> Result<(ItemIdentifier, [HTTPExchange?]), VerdictBox> {
        let call = await client.perform(MoveItem(items: [item], to: folder), impersonating: connectingSID(mailbox))
        guard call.messages.count == 1, let m = call.messages.first, m.responseClass == .success else {
            return .failure(VerdictBox(failure(of: call, doing: "MoveItem \(label)")))
        }
        guard let moved = m.payload?.identifier else {
            return .failure(VerdictBox(.failed("MoveItem \(label) answered NoError without the moved item's new id", [call.exchange])))
        }
        ledger.recordCreated(mailbox: mailbox, item: moved, subject: subject, by: CheckCatalog.routingMove)
        let (gone, seen, x) = await provenGone(mailbox, item)
        guard gone || moved.id == item.id else {
            return .failure(VerdictBox(.failed("MoveItem \(label) answered NoError, but the original is still there (GetItem of its id: \(seen)): the item was copied, not moved",
                                               [call.exchange, x])))
        }
        if moved.id == item.id { ledger.recordRemoved(itemID: item.id) }
        return .success((moved, [call.exchange, x]))
    }

    func moveThereAndBack(_ mailbox: String) async -> Verdict {
        await withScratchFolder(mailbox, purpose: "routing move") { folder in
            var evidence: [HTTPExchange?] = []
            do throws(VerdictBox) {
                let (note, x1) = try await createNote(mailbox, by: CheckCatalog.routingMove, purpose: "MoveItem").get()
                evidence.append(x1)
                let (inFolder, x2) = try await move(mailbox, note.item, to: folder, label: "into the suite's folder", subject: note.subject).get()
                evidence += x2
                let (there, x3) = try await details(mailbox, inFolder, what: "GetItem of the moved message").get()
                evidence.append(x3)
                guard there.subject == note.subject, there.extended[RunTag.property] == runID else {
                    return .failed("the moved message reads back as \"\(there.subject ?? "")\" with run tag \(there.extended[RunTag.property] ?? "(absent)"): not the message moved",
                                   evidence)
                }
                let (back, x4) = try await move(mailbox, inFolder, to: .inbox, label: "back to the Inbox", subject: note.subject).get()
                evidence += x4
                let (_, x5) = try await details(mailbox, back, what: "GetItem of the message moved back").get()
                evidence.append(x5)
                return .passed("moved a message into the suite's folder and back to the Inbox; each move returned a new id and left nothing at the old one", evidence)
            } catch {
                return error.verdict.citing(before: evidence)
            }
        }
    }

    func copyToFolder(_ mailbox: String) async -> Verdict {
        let inFolder = CreatedItems()
        return await withScratchFolder(mailbox, purpose: "routing copy", items: inFolder) { folder in
            var evidence: [HTTPExchange?] = []
            do throws(VerdictBox) {
                let (note, x1) = try await createNote(mailbox, by: CheckCatalog.routingCopy, purpose: "CopyItem").get()
                evidence.append(x1)
                let call = await client.perform(CopyItem(items: [note.item], to: folder), impersonating: connectingSID(mailbox))
                evidence.append(call.exchange)
                guard call.messages.count == 1, let m = call.messages.first, m.responseClass == .success else {
                    return failure(of: call, doing: "CopyItem into the suite's folder").citing(before: [x1])
                }
                guard let copy = m.payload?.identifier else {
                    return .failed("CopyItem answered NoError without the copy's id", evidence)
                }
                ledger.recordCreated(mailbox: mailbox, item: copy, subject: note.subject, by: CheckCatalog.routingCopy)
                inFolder.append(copy)
                let (copied, x2) = try await details(mailbox, copy, what: "GetItem of the copy").get()
                evidence.append(x2)
                guard copied.subject == note.subject, copied.extended[RunTag.property] == runID else {
                    return .failed("the copy reads back as \"\(copied.subject ?? "")\" with run tag \(copied.extended[RunTag.property] ?? "(absent)"): not a copy of the message",
                                   evidence)
                }
                let original = await client.perform(GetItem(items: [note.item], shape: .idOnly), impersonating: connectingSID(mailbox))
                evidence.append(original.exchange)
                guard let om = original.messages.first, om.responseClass == .success else {
                    return .failed("CopyItem answered NoError, but the original is gone (GetItem of its id: \(original.summary)): the item was moved, not copied",
                                   evidence)
                }
                return .passed("copied a message into the suite's folder; the copy reads back with the same subject and run tag and the original is still in the Inbox",
                               evidence)
            } catch {
                return error.verdict.citing(before: evidence)
            }
        }
    }
}
