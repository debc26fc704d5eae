import EWSProtocol
import EWSTransport
import Foundation

extension CheckContext {
    /// Everything one synchronisation gave: the state to continue from, the changes of every page,
    /// how many pages it took, and the first and last page as evidence.
    struct FolderSync {
        var state: String
        var changes: [SyncItemsPage.Change]
        var pages: Int
        var exchanges: [HTTPExchange?]
    }

    /// At most this many SyncFolderItems pages (512 changes each) per synchronisation: a provider
    /// that never answers IncludesLastItemInRange=true is reported, not followed forever.
    static let maxSyncPages = 200

    /// SyncFolderItems of `mailbox`'s Inbox from `state` (nil: from nothing), paged until
    /// IncludesLastItemInRange.
    func syncInbox(_ mailbox: String, from state: String?, doing what: String) async -> Result<FolderSync, VerdictBox> {
        var sync = FolderSync(state: state ?? "", changes: [], pages: 0, exchanges: [])
        var current = state
        while sync.pages < Self.maxSyncPages {
            let call = await client.perform(SyncFolderItems(folder: .inbox, syncState: current, property: RunTag.property),
                                            impersonating: connectingSID(mailbox))
            guard call.messages.count == 1, let m = call.messages.first, m.responseClass == .success, let page = m.payload else {
                return .failure(VerdictBox(failure(of: call, doing: what).citing(before: sync.exchanges)))
            }
            sync.pages += 1
            if sync.exchanges.count < 2 { sync.exchanges.append(call.exchange) } else { sync.exchanges[1] = call.exchange }
            sync.changes += page.changes
            sync.state = page.syncState
            if !page.includesLastItemInRange, page.changes.isEmpty, page.syncState == current {
                return .failure(VerdictBox(.failed("\(what): page \(sync.pages) answered IncludesLastItemInRange=false with no changes and the state it was given: the synchronisation cannot advance",
                                                   sync.exchanges)))
            }
            current = page.syncState
            if page.includesLastItemInRange { return .success(sync) }
            if Task.isCancelled { break }
        }
        // A folder this large (or a run cancelled midway) leaves the harness unable to tell.
        return .failure(VerdictBox(.errored("\(what): no IncludesLastItemInRange=true after \(sync.pages) pages of up to 512 changes; the harness stops there",
                                            sync.exchanges)))
    }

    /// The delivered message among a synchronisation's changes: its run tag read in the answer,
    /// or, when the provider leaves the property out, its subject with the tag confirmed by GetItem.
    private func taggedChange(_ changes: [SyncItemsPage.Change], subject: String, mailbox: String) async -> (SyncItemsPage.Change?, HTTPExchange?) {
        if let tagged = changes.first(where: { $0.value == runID && $0.subject == subject }) { return (tagged, nil) }
        let candidates = changes.filter { $0.value == nil && $0.subject == subject }
        guard !candidates.isEmpty else { return (nil, nil) }
        let confirm = await client.perform(GetItemProperty(items: candidates.map(\.identifier), property: RunTag.property), impersonating: connectingSID(mailbox))
        let confirmed = confirm.messages.compactMap(\.payload).first { $0.value == runID }?.identifier.id
        return (candidates.first { $0.identifier.id == confirmed }, confirm.exchange)
    }

    /// Routing, SyncFolderItems proof: the recipient's Inbox synchronised before a message is sent
    /// reports the delivered message as a Create from that state, and only once.
    func syncFolderItemsSeesDelivery() async -> Verdict {
        guard let sender = target.mailboxes.first else { return .skipped("no mailbox to send from") }
        let recipient = target.mailboxes.dropFirst().first ?? sender
        let check = CheckCatalog.routingSyncFolderItems
        var evidence: [HTTPExchange?] = []
        var facts = ["sender": sender, "recipient": recipient]
        do throws(VerdictBox) {
            let baseline = try await syncInbox(recipient, from: nil, doing: "SyncFolderItems of \(recipient)'s Inbox without a sync state (before the send)").get()
            evidence += baseline.exchanges
            let known = Set(baseline.changes.filter { $0.kind == "Create" }.map(\.identifier.id))
            facts["baseline_items"] = String(known.count)
            facts["baseline_pages"] = String(baseline.pages)

            let tag = RunTag(runID: runID)
            let subject = "ewscheck sync from \(sender) to \(recipient) \(tag.subjectMarker)"
            // Sent only (no Sent Items copy): the one delivered copy is ledgered as an intent and
            // answered once found, or the cleanup's sweep accounts for it.
            let attempt = ledger.recordIntent(mailbox: recipient, subject: subject, by: check)
            let send = await client.perform(SendMessage(subject: subject, body: "Sent by ewscheck run \(runID) to test SyncFolderItems; safe to delete.",
                                                        to: [recipient], extendedProperties: [tag.extendedProperty], saveCopy: false),
                                            impersonating: connectingSID(sender))
            let sentAt = ContinuousClock.now
            evidence.append(send.exchange)
            guard send.messages.count == 1, let m = send.messages.first, m.responseClass == .success else {
                return failure(of: send, doing: "CreateItem SendOnly from \(sender) to \(recipient)").citing(before: Array(evidence.dropLast()))
            }

            var state = baseline.state
            var found: SyncItemsPage.Change?
            var polls = 0
            while found == nil {
                let sync = try await syncInbox(recipient, from: state, doing: "SyncFolderItems of \(recipient)'s Inbox from the state taken before the send").get()
                polls += 1
                state = sync.state
                let (change, confirm) = await taggedChange(sync.changes, subject: subject, mailbox: recipient)
                if let change {
                    evidence += sync.exchanges + [confirm]
                    ledger.recordCreated(mailbox: recipient, item: change.identifier, subject: subject, by: check, attempt: attempt)
                    found = change
                }
                let again = sync.changes.filter { $0.kind == "Create" && known.contains($0.identifier.id) }
                if !again.isEmpty {
                    if found == nil { evidence += sync.exchanges }
                    facts["sync_polls"] = String(polls)
                    return .failed("SyncFolderItems from the state taken before the send reported \(again.count) of the \(known.count) item(s) that state already held as Create again: the sync state is ignored",
                                   evidence, facts: facts)
                }
                if found != nil || ContinuousClock.now - sentAt > deliveryWait { break }
                try? await Task.sleep(for: .milliseconds(250))
                if Task.isCancelled { break }
            }
            facts["sync_polls"] = String(polls)
            guard let found else {
                // Delivered but not reported, or not delivered at all: FindItem tells them apart.
                let search = await findTagged(recipient, folder: "inbox", subject: subject)
                evidence += search.exchanges
                if let item = search.item {
                    ledger.recordCreated(mailbox: recipient, item: item, subject: subject, by: check, attempt: attempt)
                    return .failed("the message sent from \(sender) is in \(recipient)'s Inbox (FindItem finds it by its run tag), but SyncFolderItems from the state taken before the send did not report it within \(deliveryWait.components.seconds) s (\(polls) synchronisations)",
                                   evidence, facts: facts)
                }
                return .failed("the message sent from \(sender) did not arrive in \(recipient)'s Inbox within \(deliveryWait.components.seconds) s: neither SyncFolderItems (\(polls) synchronisations) nor FindItem shows it",
                               evidence, facts: facts)
            }
            let elapsed = ContinuousClock.now - sentAt
            facts["delivery_ms"] = String(Int(Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15))
            if let id = found.internetMessageID { facts["internet_message_id"] = id }
            if let received = found.received { facts["date_time_received"] = received }
            guard found.kind == "Create" else {
                return .failed("SyncFolderItems from the state taken before the send reported the delivered message as \(found.kind), not Create (it was never synchronised before)",
                               evidence, facts: facts)
            }
            // The state returned with the Create has seen the message: it must not come again.
            let after = try await syncInbox(recipient, from: state, doing: "SyncFolderItems of \(recipient)'s Inbox from the state returned with the delivered message").get()
            evidence += after.exchanges
            let repeated = after.changes.filter { $0.kind == "Create" && ($0.identifier.id == found.identifier.id || known.contains($0.identifier.id)) }
            guard repeated.isEmpty else {
                return .failed("SyncFolderItems from the state returned with the delivered message reported \(repeated.count) item(s) it had already reported as Create again: the sync state is ignored",
                               evidence, facts: facts)
            }
            return .passed("SyncFolderItems of \(recipient)'s Inbox from a state taken before the send reported the message from \(sender) as a Create after \(facts["delivery_ms"] ?? "?") ms (\(polls) synchronisations), and not again from the state it returned",
                           evidence, facts: facts)
        } catch {
            return error.verdict.citing(before: evidence)
        }
    }
}
