import EWSProtocol
import EWSTransport

/// Finds the folders the contact-center checks create under a mailbox's Inbox (named
/// `ewscheck <purpose> [ewscheck <run id>]`) that a killed or interrupted run left behind, and
/// removes them with what is in them. The name is not trusted alone: every item inside must
/// carry a run tag the selection takes, or the folder is left alone; a folder counts as removed
/// only when GetFolder no longer finds it.
struct ScratchFolderSweep: Sendable {
    /// What a sweep did in one mailbox.
    struct Result: Sendable {
        /// Folders found and confirmed, by name.
        var confirmed: [(name: String, runID: String, removed: Bool)] = []
        /// Problems met.
        var problems: [String] = []
        /// The HTTP exchanges made.
        var exchanges: [HTTPExchange] = []
        /// Confirmed folders still there.
        var left: [String] { confirmed.filter { !$0.removed }.map(\.name) }
    }

    let client: EWSClient
    let selection: LeftoverSweep.Selection
    var dryRun = false

    /// The run id in a folder name the checks gave, if it is one.
    static func runID(inFolderName name: String) -> String? {
        guard name.hasPrefix("ewscheck "), name.hasSuffix("]"), let open = name.range(of: "[ewscheck ", options: .backwards) else { return nil }
        let id = String(name[open.upperBound..<name.index(before: name.endIndex)])
        return id.isEmpty ? nil : id
    }

    func sweep(mailbox: String, as who: ConnectingSID) async -> Result {
        var result = Result()
        let find = await client.perform(FindFolder(parent: .inbox), impersonating: who)
        if let x = find.exchange { result.exchanges.append(x) }
        guard let m = find.messages.first, m.responseClass == .success, let folders = m.payload else {
            result.problems.append("FindFolder under the Inbox of \(mailbox): \(find.summary)")
            return result
        }
        for folder in folders {
            guard let name = folder.displayName, let runID = Self.runID(inFolderName: name), selection.takes(runID) else { continue }
            let id = FolderIdentifier.id(folder.id, changeKey: nil)
            let items = await client.perform(FindItem(folder: id, maxEntries: 200), impersonating: who)
            if let x = items.exchange { result.exchanges.append(x) }
            guard let im = items.messages.first, im.responseClass == .success, let page = im.payload, page.includesLastItemInRange != false else {
                result.problems.append("FindItem in the folder \"\(name)\" of \(mailbox): \(items.summary); left alone")
                continue
            }
            if !page.items.isEmpty {
                let tags = await client.perform(GetItemProperty(items: page.items.map(\.identifier), property: RunTag.property), impersonating: who)
                if let x = tags.exchange { result.exchanges.append(x) }
                let untagged = page.items.count - tags.messages.filter { $0.responseClass == .success && selection.takes($0.payload?.value) }.count
                guard untagged == 0 else {
                    result.problems.append("the folder \"\(name)\" of \(mailbox) holds \(untagged) item(s) without a matching run tag; left alone")
                    continue
                }
            }
            guard !dryRun else {
                result.confirmed.append((name, runID, false))
                continue
            }
            let delete = await client.perform(DeleteFolder(folders: [id]), impersonating: who)
            let check = await client.perform(GetFolder(folders: [id], shape: .idOnly), impersonating: who)
            result.exchanges += [delete.exchange, check.exchange].compactMap { $0 }
            let gone = check.messages.first.map { ["ErrorItemNotFound", "ErrorFolderNotFound"].contains($0.responseCode) } ?? false
            result.confirmed.append((name, runID, gone))
            if !gone { result.problems.append("DeleteFolder of \"\(name)\" in \(mailbox) answered \(delete.summary); the folder is still there") }
        }
        return result
    }
}
