/// A quick pass over a big tenant: `--mailbox-limit N` (the first N mailboxes of the file) or
/// `--sample N --seed S` (N mailboxes chosen at random, but the same ones for the same seed and
/// the same set of addresses, whatever their order).
package enum MailboxSample {
    /// The first `limit` mailboxes.
    package static func limit(_ mailboxes: [String], to limit: Int) -> [String] {
        Array(mailboxes.prefix(max(0, limit)))
    }

    /// `count` mailboxes chosen by `seed`: those with the lowest seeded hash, kept in file order.
    package static func sample(_ mailboxes: [String], count: Int, seed: UInt64) -> [String] {
        guard count < mailboxes.count else { return mailboxes }
        let ranked = mailboxes.map { ($0, ShardSelection.stableHash($0, seed: seed &* 0x9e37_79b9_7f4a_7c15 &+ 1)) }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        let chosen = Set(ranked.prefix(max(0, count)).map(\.0))
        return mailboxes.filter(chosen.contains)
    }
}
