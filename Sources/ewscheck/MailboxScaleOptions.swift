import ArgumentParser
import Conformance

/// How many of a big tenant's mailboxes a run certifies: a limit, a seeded sample, a shard.
struct MailboxScaleOptions: ParsableArguments {
    @Option(name: .customLong("mailbox-limit"), help: ArgumentHelp("Certify only the first N mailboxes of the target (a quick pass over a big tenant).", valueName: "N"))
    var mailboxLimit: Int?

    @Option(name: .customLong("sample"), help: ArgumentHelp("Certify N mailboxes chosen at random by --seed: the same seed picks the same mailboxes, whatever their order in the file.", valueName: "N"))
    var sample: Int?

    @Option(name: .customLong("seed"), help: ArgumentHelp("The seed of --sample (default 0).", valueName: "S"))
    var seed: UInt64?

    @Option(name: .customLong("shard"), help: ArgumentHelp("Run shard I of N: the mailboxes whose address hashes to it (stable under reordering of the file); run-wide checks run in shard 1. Merge the shards with `ewscheck report merge`.", valueName: "I/N"))
    var shardText: String?

    func validate() throws {
        if let mailboxLimit, mailboxLimit < 1 { throw ValidationError("--mailbox-limit must be 1 or more") }
        if let sample, sample < 1 { throw ValidationError("--sample must be 1 or more") }
        if mailboxLimit != nil && sample != nil { throw ValidationError("--mailbox-limit and --sample both narrow the mailboxes; keep one") }
        if seed != nil && sample == nil { throw ValidationError("--seed goes with --sample") }
        if let shardText, ShardSelection(parsing: shardText) == nil {
            throw ValidationError("--shard '\(shardText)' is not I/N with 1 ≤ I ≤ N (e.g. 2/4)")
        }
    }

    /// The shard, when one was asked for.
    var shard: ShardSelection? { shardText.flatMap(ShardSelection.init(parsing:)) }

    /// Narrows the target's mailboxes (limit or sample first, then the shard) and returns what
    /// was done, for the report's warnings.
    func apply(to target: inout TargetConfiguration) -> [String] {
        var notes: [String] = []
        let all = target.mailboxes.count
        if let mailboxLimit, mailboxLimit < all {
            target.mailboxes = MailboxSample.limit(target.mailboxes, to: mailboxLimit)
            notes.append("--mailbox-limit \(mailboxLimit): certifying the first \(target.mailboxes.count) of the target's \(all) mailboxes")
        }
        if let sample, sample < all {
            target.mailboxes = MailboxSample.sample(target.mailboxes, count: sample, seed: seed ?? 0)
            notes.append("--sample \(sample) --seed \(seed ?? 0): certifying \(target.mailboxes.count) of the target's \(all) mailboxes")
        }
        if let shard, shard.count > 1 {
            let before = target.mailboxes.count
            target.mailboxes = shard.select(target.mailboxes)
            notes.append("--shard \(shard): \(target.mailboxes.count) of \(before) mailboxes; run-wide checks run in shard 1 (other shards run only what per-mailbox checks need first); merge the shards with `ewscheck report merge`")
        }
        // The file's entries follow the mailboxes kept (also by --mailbox, applied before).
        if target.mailboxEntries.count != target.mailboxes.count { target.keepOnly(mailboxes: target.mailboxes) }
        return notes
    }
}
