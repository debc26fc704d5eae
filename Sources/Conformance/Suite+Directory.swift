import EWSProtocol
import EWSTransport

extension Suite {
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
}
