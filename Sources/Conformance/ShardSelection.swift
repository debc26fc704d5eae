/// One shard of a certification split across CI workers (`--shard I/N`).
///
/// Mailboxes are partitioned by a stable hash of the lower-cased address (FNV-1a, 64 bits, with a
/// SplitMix64 finaliser), so the partition depends only on the set of addresses, never on their
/// order in the file, the machine or the Swift version. The mailbox with the lowest hash always
/// goes to shard 1, so shard 1 is never empty (it runs the run-wide checks that need a mailbox).
///
/// The rule for run-wide checks: every run-wide check runs in shard 1. The other shards run only
/// the run-wide checks that per-mailbox checks need first (`ews.endpoint.reachable`,
/// `auth.service-account`, `auth.oauth.token`) and the final cleanup of what they created;
/// `ewscheck report merge` keeps one result of each (the worse if shards disagree, with a warning).
package struct ShardSelection: Sendable, Hashable, CustomStringConvertible {
    /// This shard, 1-based.
    package let index: Int
    /// The number of shards.
    package let count: Int

    /// Creates shard `index` of `count` (1 ≤ index ≤ count).
    package init?(index: Int, count: Int) {
        guard count >= 1, (1...count).contains(index) else { return nil }
        self.index = index
        self.count = count
    }

    /// Parses `I/N` (`2/4`).
    package init?(parsing text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let i = Int(parts[0].trimmingSpaces), let n = Int(parts[1].trimmingSpaces) else { return nil }
        self.init(index: i, count: n)
    }

    package var description: String { "\(index)/\(count)" }

    /// The mailboxes of `mailboxes` that belong to this shard, in their order.
    package func select(_ mailboxes: [String]) -> [String] {
        guard count > 1 else { return mailboxes }
        let pinned = mailboxes.min { (Self.stableHash($0), $0.lowercased()) < (Self.stableHash($1), $1.lowercased()) }?.lowercased()
        return mailboxes.filter { address in
            let shard = address.lowercased() == pinned ? 1 : Int(Self.stableHash(address) % UInt64(count)) + 1
            return shard == index
        }
    }

    /// The run-wide checks this shard leaves to shard 1, each with the reason (empty for shard 1).
    package func runWideChecksLeftToFirstShard() -> [CheckID: String] {
        guard index > 1 else { return [:] }
        let definitions = CheckRegistry.definitions
        let byID = Dictionary(definitions.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        // What the per-mailbox checks need first, transitively.
        var needed: Set<CheckID> = []
        var frontier = definitions.filter(\.perMailbox).flatMap(\.dependsOn)
        while let id = frontier.popLast() {
            guard needed.insert(id).inserted else { continue }
            frontier += byID[id]?.dependsOn ?? []
        }
        var reasons: [CheckID: String] = [:]
        for d in definitions where !d.perMailbox && !needed.contains(d.id) && !CheckRegistry.finalChecks.contains(d.id) {
            reasons[d.id] = "--shard \(self): run-wide checks run in shard 1"
        }
        return reasons
    }

    /// A stable 64-bit hash of an address (case-insensitive): FNV-1a with a SplitMix64 finaliser.
    package static func stableHash(_ address: String, seed: UInt64 = 0) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ seed
        for byte in address.lowercased().utf8 {
            h ^= UInt64(byte)
            h &*= 0x0000_0100_0000_01b3
        }
        h ^= h >> 30
        h &*= 0xbf58_476d_1ce4_e5b9
        h ^= h >> 27
        h &*= 0x94d0_49bb_1331_11eb
        h ^= h >> 31
        return h
    }
}

private extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return s
    }
}
