import EWSProtocol
import EWSTransport
import Foundation

/// Finds items carrying ewscheck's run tag in a mailbox's folders and removes them. A filter is never
/// trusted on its own: each candidate's tag is read back with GetItem and must match before anything
/// is deleted, and an item counts as removed only when a fresh GetItem answers ErrorItemNotFound.
package struct LeftoverSweep: Sendable {
    /// Which tags a sweep takes.
    package enum Selection: Sendable, Hashable {
        /// Items of one run.
        case run(String)
        /// Items of runs that started before a date (run ids chosen by hand, with no date in them,
        /// are never taken by this selection).
        case olderThan(Date)
        /// Items of any run.
        case any

        /// Whether a tag value read back from an item is taken.
        package func takes(_ value: String?) -> Bool {
            guard let value, !value.isEmpty else { return false }
            switch self {
            case .run(let id): return value == id
            case .olderThan(let date): return RunTag.startDate(ofRunID: value).map { $0 < date } ?? false
            case .any: return true
            }
        }

        var match: FindItemsByProperty.Match {
            if case .run(let id) = self { return .equals(id) }
            return .exists
        }
    }

    /// What a sweep did in one mailbox.
    package struct Result: Sendable {
        /// The mailbox.
        package var mailbox: String
        /// Items the provider's filter returned.
        package var candidates: Int = 0
        /// Candidates whose tag, read back, matched the selection.
        package var confirmed: [PropertyItem] = []
        /// Confirmed items proven gone.
        package var removed: [PropertyItem] = []
        /// Confirmed items still there after the delete.
        package var notRemoved: [PropertyItem] = []
        /// Candidates the filter returned that do not carry a matching tag (never touched).
        package var rejectedByReadback: Int = 0
        /// Problems met (a folder that could not be searched, a refused delete).
        package var problems: [String] = []
        /// The HTTP exchanges made.
        package var exchanges: [HTTPExchange] = []
    }

    /// The client the requests go through.
    package let client: EWSClient
    /// Which tags to take.
    package let selection: Selection
    /// The folders searched in each mailbox.
    package let folders: [String]
    /// Whether to stop after finding and confirming (nothing is deleted).
    package let dryRun: Bool
    /// Pages of the search at most (each up to 200 items), so a hostile server cannot loop us.
    package let maxPages: Int

    /// Creates a sweep.
    package init(client: EWSClient, selection: Selection, folders: [String] = ["inbox"], dryRun: Bool = false, maxPages: Int = 50) {
        self.client = client
        self.selection = selection
        self.folders = folders
        self.dryRun = dryRun
        self.maxPages = maxPages
    }

    /// Sweeps one mailbox (impersonated).
    package func sweep(mailbox: String, as who: ConnectingSID? = nil) async -> Result {
        let actor = who ?? .primarySmtpAddress(mailbox)
        var result = Result(mailbox: mailbox)
        var candidates: [ItemIdentifier] = []
        for folder in folders {
            var offset = 0
            for _ in 0..<maxPages {
                let find = await client.perform(FindItemsByProperty(folder: .distinguished(folder), property: RunTag.property,
                                                                    match: selection.match, offset: offset), impersonating: actor)
                if let x = find.exchange { result.exchanges.append(x) }
                guard let message = find.messages.first, message.responseClass == .success, let page = message.payload else {
                    result.problems.append("FindItem in \(folder) of \(mailbox): \(find.summary)")
                    break
                }
                candidates += page.items.map(\.identifier)
                offset += page.items.count
                if page.items.isEmpty || page.includesLastItemInRange != false { break }
            }
        }
        var seen = Set<String>()
        candidates = candidates.filter { seen.insert($0.id).inserted }
        result.candidates = candidates.count
        for batch in stride(from: 0, to: candidates.count, by: 50).map({ Array(candidates[$0..<min($0 + 50, candidates.count)]) }) {
            let get = await client.perform(GetItemProperty(items: batch, property: RunTag.property), impersonating: actor)
            if let x = get.exchange { result.exchanges.append(x) }
            guard get.messages.count == batch.count else {
                result.problems.append("GetItem to confirm \(batch.count) candidates in \(mailbox): \(get.summary)")
                continue
            }
            for (asked, message) in zip(batch, get.messages) {
                // The answer must be about the item asked for, carrying a tag the selection takes.
                if message.responseClass == .success, let item = message.payload, item.identifier.id == asked.id, selection.takes(item.value) {
                    result.confirmed.append(item)
                } else {
                    result.rejectedByReadback += 1
                }
            }
        }
        guard !dryRun, !result.confirmed.isEmpty else { return result }
        let ids = result.confirmed.map { ItemIdentifier(id: $0.identifier.id) }
        let delete = await client.perform(DeleteItem(items: ids), impersonating: actor)
        if let x = delete.exchange { result.exchanges.append(x) }
        let verify = await client.perform(GetItem(items: ids, shape: .idOnly), impersonating: actor)
        if let x = verify.exchange { result.exchanges.append(x) }
        let gone = Set(zip(ids, verify.messages).filter { $0.1.responseCode == "ErrorItemNotFound" }.map { $0.0.id })
        for item in result.confirmed {
            if gone.contains(item.identifier.id) { result.removed.append(item) } else { result.notRemoved.append(item) }
        }
        if !result.notRemoved.isEmpty {
            result.problems.append("DeleteItem in \(mailbox) answered \(delete.summary); \(result.notRemoved.count) tagged item(s) still there")
        }
        return result
    }
}
