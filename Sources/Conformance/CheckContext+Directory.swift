import EWSProtocol
import EWSTransport

extension CheckContext {
    func resolveMailbox(_ mailbox: String) async -> Verdict {
        let call = await client.perform(ResolveNames(mailbox), impersonating: connectingSID(mailbox))
        var facts = Self.callFacts(call)
        guard call.messages.count == 1, let m = call.messages.first, m.responseClass != .error, let resolutions = m.payload else {
            return failure(of: call, doing: "ResolveNames of \(mailbox)")
        }
        facts["resolutions"] = String(resolutions.count)
        guard let match = resolutions.first(where: { $0.emailAddress?.lowercased() == mailbox.lowercased() }) else {
            let seen = resolutions.prefix(3).map { $0.emailAddress ?? "(no address)" }.joined(separator: ", ")
            return .failed("ResolveNames of \(mailbox) answered \(m.responseCode) without a resolution for that address (\(resolutions.isEmpty ? "none" : seen))",
                           [call.exchange], facts: facts)
        }
        if let type = match.mailboxType, type != "Mailbox" {
            return .failed("ResolveNames resolves \(mailbox) as MailboxType \(type), not Mailbox", [call.exchange], facts: facts)
        }
        guard match.hasContact else {
            return .failed("ResolveNames of \(mailbox) with ReturnFullContactData gave no directory contact: display name and phone numbers cannot be shown",
                           [call.exchange], facts: facts)
        }
        guard let name = match.displayName, !name.isEmpty else {
            return .failed("ResolveNames of \(mailbox) gave a directory contact without a display name", [call.exchange], facts: facts)
        }
        facts["display_name"] = name
        if !match.phoneNumbers.isEmpty {
            facts["phone_numbers"] = match.phoneNumbers.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        }
        return .passed("ResolveNames finds \(mailbox) as \"\(name)\" with its directory contact\(match.phoneNumbers.isEmpty ? " (no phone numbers in the directory)" : " and \(match.phoneNumbers.count) phone number(s)")",
                       [call.exchange], facts: facts)
    }

    func unknownName() async -> Verdict {
        guard let mailbox = target.mailboxes.first else { return .skipped("no mailbox to act as") }
        let unknown = "ewscheck-no-such-name-\(runID.filter { $0.isLetter || $0.isNumber }.lowercased())"
        let call = await client.perform(ResolveNames(unknown, fullContactData: false), impersonating: connectingSID(mailbox))
        var facts = Self.callFacts(call)
        facts["unresolved_entry"] = unknown
        guard call.messages.count == 1, let m = call.messages.first else { return failure(of: call, doing: "ResolveNames of an unknown name", facts: facts) }
        if m.responseCode == "ErrorNameResolutionNoResults" {
            return .passed("ResolveNames of an unknown name answered ErrorNameResolutionNoResults as required", [call.exchange], facts: facts)
        }
        if m.responseClass != .error {
            let count = m.payload?.count ?? 0
            return .failed("ResolveNames of an unknown name answered \(m.responseCode) with \(count) resolution(s) instead of ErrorNameResolutionNoResults",
                           [call.exchange], facts: facts)
        }
        return .failed("ResolveNames of an unknown name answered \(m.responseCode)\(m.messageText.map { " (\"\($0)\")" } ?? "") instead of ErrorNameResolutionNoResults",
                       [call.exchange], facts: facts)
    }

    func contactsFolder(_ mailbox: String) async -> Verdict {
        let get = await client.perform(GetFolder(folders: [.distinguished("contacts")]), impersonating: connectingSID(mailbox))
        guard get.messages.count == 1, let m = get.messages.first, m.responseClass == .success, let folder = m.payload else {
            return failure(of: get, doing: "GetFolder(contacts) of \(mailbox)")
        }
        guard folder.kind == "ContactsFolder" else {
            return .failed("GetFolder(contacts) of \(mailbox) answered a \(folder.kind), not a ContactsFolder", [get.exchange])
        }
        let find = await client.perform(FindItem(folder: .distinguished("contacts"), maxEntries: 10), impersonating: connectingSID(mailbox))
        guard find.messages.count == 1, let fm = find.messages.first, fm.responseClass == .success, let page = fm.payload else {
            return failure(of: find, doing: "FindItem in \(mailbox)'s Contacts folder").citing(before: [get.exchange])
        }
        var facts = ["folder_kind": folder.kind]
        if let total = folder.totalCount { facts["total_count"] = String(total) }
        return .passed("\(mailbox)'s Contacts folder reads (\(folder.displayName ?? "Contacts"), \(page.totalItemsInView.map { "\($0) contacts" } ?? "\(page.items.count) listed"))",
                       [get.exchange, find.exchange], facts: facts)
    }

    /// ExpandDL of the target's distribution list, acting as the first mailbox.
    func expandDistributionList() async -> Verdict {
        guard let list = target.distributionList else {
            return .skipped("no distribution_list in the target: ExpandDL has no list to expand (name one the product routes to, like support@contoso.com)")
        }
        guard let mailbox = target.mailboxes.first else { return .skipped("no mailbox to act as") }
        let call = await client.perform(ExpandDL(list), impersonating: connectingSID(mailbox))
        var facts = Self.callFacts(call)
        facts["distribution_list"] = list
        guard call.messages.count == 1, let m = call.messages.first else { return failure(of: call, doing: "ExpandDL of \(list)", facts: facts) }
        if m.responseCode == "ErrorNameResolutionNoResults" {
            return .failed("ExpandDL of \(list) answered ErrorNameResolutionNoResults: the directory knows no distribution list of that address (check distribution_list in the target)",
                           [call.exchange], facts: facts)
        }
        guard m.responseClass == .success, let expansion = m.payload else {
            return failure(of: call, doing: "ExpandDL of \(list)", facts: facts)
        }
        facts["members"] = String(expansion.members.count)
        var kinds: [String: Int] = [:]
        for member in expansion.members { kinds[member.mailboxType ?? "(none)", default: 0] += 1 }
        facts["member_types"] = kinds.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        if let total = expansion.totalItemsInView { facts["total_items_in_view"] = String(total) }
        guard !expansion.members.isEmpty else {
            return .failed("ExpandDL of \(list) answered NoError with no members\(expansion.totalItemsInView.map { " (TotalItemsInView \($0))" } ?? ""): the product cannot route to the list's agents",
                           [call.exchange], facts: facts)
        }
        let incomplete = expansion.members.filter { ($0.emailAddress ?? "").isEmpty || ($0.mailboxType ?? "").isEmpty }
        guard incomplete.isEmpty else {
            return .failed("ExpandDL of \(list) lists \(incomplete.count) of \(expansion.members.count) members without an EmailAddress or MailboxType",
                           [call.exchange], facts: facts)
        }
        if let total = expansion.totalItemsInView, total != expansion.members.count {
            return .failed("ExpandDL of \(list) says TotalItemsInView \(total) but lists \(expansion.members.count) members",
                           [call.exchange], facts: facts)
        }
        return .passed("ExpandDL of \(list) lists \(expansion.members.count) member(s) (\(facts["member_types"] ?? "")), each with its address and type",
                       [call.exchange], facts: facts)
    }
}
