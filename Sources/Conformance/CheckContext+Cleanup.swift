import EWSProtocol
import EWSTransport
import Foundation

/// `suite.cleanup.complete`: what the run created is gone.
extension CheckContext {
    /// Removes every item still in the ledger, sweeps each mailbox's Inbox for the run's tag (items
    /// whose CreateItem answer was lost), then records whether anything is left.
    func cleanUp() async -> Verdict {
        // Folders the contact-center checks create and an interrupted check left go first, with their items.
        // Two or more requests per mailbox: each exchange goes to the evidence spool as it is made.
        var cited = CitedExchanges(recorder: recorder)
        let folders = await sweepScratchFolders(citing: &cited)
        let outstanding = ledger.outstanding
        for (mailbox, entries) in Dictionary(grouping: outstanding, by: \.mailbox) {
            let ids = entries.map { ItemIdentifier(id: $0.itemID) }
            let call = await client.perform(DeleteItem(items: ids), impersonating: connectingSID(mailbox))
            await cited.add([call.exchange])
            // A provider's NoError is not proof: only ErrorItemNotFound on a fresh GetItem is.
            let check = await client.perform(GetItem(items: ids, shape: .idOnly), impersonating: connectingSID(mailbox))
            await cited.add([check.exchange])
            for (entry, message) in zip(entries, check.messages) where message.responseCode == "ErrorItemNotFound" {
                ledger.recordRemoved(itemID: entry.itemID)
            }
        }
        // The sweep: every mailbox the run wrote to, searched for the run's tag. Only tags read back
        // with GetItem count; what the ledger already removed cannot be found again.
        let attempted = Set(ledger.attempts.map(\.mailbox))
        var foundByTag = 0
        var sweepProblems: [String] = []
        // The Calendar too where the presence check created an appointment.
        let calendars = Set(ledger.attempts.filter { $0.check == CheckCatalog.presenceFreeBusy }.map(\.mailbox))
        for mailbox in target.mailboxes where attempted.contains(mailbox) {
            let sweep = LeftoverSweep(client: client, selection: .run(runID), folders: calendars.contains(mailbox) ? ["inbox", "calendar"] : ["inbox"])
            let result = await sweep.sweep(mailbox: mailbox, as: connectingSID(mailbox))
            await cited.add(result.exchanges)
            sweepProblems += result.problems
            // (The ledger's ids only when the sweep found something: a set of every created item
            // per mailbox swept made the cleanup quadratic in the mailbox count.)
            let known = result.confirmed.isEmpty ? [] : Set(ledger.all.map(\.itemID))
            for item in result.confirmed where !known.contains(item.identifier.id) {
                foundByTag += 1
                ledger.recordFoundByTag(mailbox: mailbox, item: item.identifier, subject: item.subject ?? "")
            }
            for item in result.removed { ledger.recordRemoved(itemID: item.identifier.id) }
        }
        let all = ledger.all
        let left = ledger.outstanding
        let unanswered = ledger.unanswered.count
        var facts = ["created": String(all.count), "attempted": String(ledger.attempts.count),
                     "found_by_tag": String(foundByTag), "unanswered_creates": String(unanswered)]
        if !sweepProblems.isEmpty { facts["sweep_problems"] = sweepProblems.joined(separator: "; ") }
        if let journalError = ledger.journalError { facts["ledger_file"] = journalError }
        let verdict: Verdict
        if !left.isEmpty {
            verdict = .failed("\(left.count) of \(all.count) items created could not be removed: "
                              + left.map { "\($0.mailbox) …\($0.itemID.suffix(12))" }.joined(separator: ", ") + " (full ids in report.json cleanup.leftover)",
                              facts: facts)
        } else if unanswered > foundByTag && !(state.interrupted && sweepProblems.isEmpty) {
            // An unanswered CreateItem may have created an item the ledger never saw; only the
            // sweep finding it by tag accounts for it.
            let why = sweepProblems.first.map { "the sweep for the run tag failed (\($0))" }
                ?? "the sweep for the run tag found \(foundByTag) of them"
            verdict = .failed("\(unanswered) CreateItem request(s) got no usable answer and \(why): cannot prove nothing is left",
                              facts: facts)
        } else if ledger.attempts.isEmpty {
            verdict = .passed("the suite created no items, so none is left", facts: facts)
        } else {
            let late = outstanding.count
            var message = "all \(all.count) items created were removed\(late > 0 ? " (\(late) by the final cleanup)" : "")"
            if foundByTag > 0 { message += "; \(foundByTag) of them were found by the run tag after their CreateItem answer was lost" }
            // The run's own interruption cut these requests off (not the provider): a sweep for the
            // run tag that worked and finds nothing is the proof that none of them left an item.
            if unanswered > foundByTag {
                message += "; \(unanswered - foundByTag) CreateItem request(s) cut off by the interruption left nothing the run tag finds"
            }
            message += ", and a sweep of \(attempted.count) mailbox(es) for the run tag finds nothing left"
            verdict = .passed(message, facts: facts)
        }
        return Self.noting(folders, in: cited.cited(in: verdict))
    }
}
