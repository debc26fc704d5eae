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
            var seen: Set<String> = []
            for item in seq {
                guard let s = item.scalar?.string, s.contains("@") else {
                    throw TargetFileError("mailboxes entry at line \(line(item)) is not an SMTP address")
                }
                guard seen.insert(s.lowercased()).inserted else {
                    throw TargetFileError("mailboxes entry at line \(line(item)) repeats \(s)")
                }
                mailboxes.append(s.lowercased())
            }
            return (mailboxes, [])
        }
    }

    /// The tags `mailboxes_file` gives each mailbox (address → tags).
    public var mailboxTags: [String: [String]] {
        Dictionary(mailboxEntries.map { ($0.address, $0.tags) }, uniquingKeysWith: { a, _ in a })
    }
}
