import Foundation
import Yams

extension TargetConfiguration {
    /// The mailboxes of a target file: `mailboxes:` (a list) or `mailboxes_file:` (a path, relative
    /// to the target file; see ``MailboxList``), one of the two.
    static func parseMailboxes(_ top: Node.Mapping, resolve: (String) -> String) throws(TargetFileError) -> ([String], [MailboxList.Entry]) {
        switch (top["mailboxes"], top["mailboxes_file"]) {
        case (nil, nil):
            throw TargetFileError("missing required key 'mailboxes' (a list of SMTP addresses) or 'mailboxes_file' (a file of them)")
        case (_?, let file?):
            throw TargetFileError("mailboxes and mailboxes_file (line \(line(file))) are both set; keep one")
        case (nil, _?):
            guard let path = try string(top, "mailboxes_file") else { return ([], []) }
            let list = try MailboxList.load(path: resolve(path))
            return (list.entries.map(\.address), list.entries)
        case (let node?, nil):
            guard let seq = node.sequence, !seq.isEmpty else {
                throw TargetFileError("mailboxes (line \(line(node))) must be a non-empty list of SMTP addresses")
            }
            var mailboxes: [String] = []
            var entries: [MailboxList.Entry] = []
            var detailed = false
            var seen: Set<String> = []
            for item in seq {
                let entry: MailboxList.Entry
                if let m = item.mapping {
                    // `- address: …` with the mailbox's `upn:` and `sid:` (the ConnectingSID forms that need them).
                    entry = try inlineEntry(m, line: line(item))
                    detailed = true
                } else {
                    guard let s = item.scalar?.string, s.contains("@") else {
                        throw TargetFileError("mailboxes entry at line \(line(item)) is not an SMTP address (or a mapping with address, upn, sid)")
                    }
                    entry = MailboxList.Entry(address: s, line: line(item))
                }
                guard seen.insert(entry.address).inserted else {
                    throw TargetFileError("mailboxes entry at line \(line(item)) repeats \(entry.address)")
                }
                mailboxes.append(entry.address)
                entries.append(entry)
            }
            return (mailboxes, detailed ? entries : [])
        }
    }

    /// One `mailboxes:` entry written as a mapping: `address` (required), `upn`, `sid`.
    private static func inlineEntry(_ m: Node.Mapping, line number: Int) throws(TargetFileError) -> MailboxList.Entry {
        for key in m.keys {
            let name = key.scalar?.string ?? "?"
            guard ["address", "upn", "sid"].contains(name) else {
                throw TargetFileError("unknown key '\(name)' at line \(line(key)) in a mailboxes entry (allowed: address, upn, sid)")
            }
        }
        guard let address = try string(m, "address", required: true, path: "mailboxes[line \(number)]."), MailboxList.isAddress(address) else {
            throw TargetFileError("mailboxes entry at line \(number): address is not an SMTP address")
        }
        let upn = try string(m, "upn", path: "mailboxes[line \(number)].")
        if let upn, !MailboxList.isAddress(upn) {
            throw TargetFileError("mailboxes entry at line \(number): upn '\(MailboxList.printable(upn))' is not a user principal name (name@domain)")
        }
        let sid = try string(m, "sid", path: "mailboxes[line \(number)].")
        if let sid, !MailboxList.isSID(sid) {
            throw TargetFileError("mailboxes entry at line \(number): sid '\(MailboxList.printable(sid))' is not a security identifier (S-1-5-21-…)")
        }
        return MailboxList.Entry(address: address, upn: upn, sid: sid, line: number)
    }

    /// What the target says about a mailbox beyond its address (UPN, SID), when anything.
    package func entry(of mailbox: String) -> MailboxList.Entry? {
        entryIndex[mailbox.lowercased()].map { mailboxEntries[$0] }
    }

    /// The first position of each address in `entries`.
    static func index(_ entries: [MailboxList.Entry]) -> [String: Int] {
        var index: [String: Int] = [:]
        for (i, entry) in entries.enumerated() where index[entry.address] == nil { index[entry.address] = i }
        return index
    }

    /// The tags `mailboxes_file` gives each mailbox (address → tags).
    package var mailboxTags: [String: [String]] {
        Dictionary(mailboxEntries.map { ($0.address, $0.tags) }, uniquingKeysWith: { a, _ in a })
    }
}
