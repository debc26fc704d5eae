/// What a run keeps in memory of one result while the result itself is in the journal: enough to
/// order, group, count and plan the evidence of the reports (a few dozen bytes), and where to read
/// the whole result back.
package struct RecordedResult: Sendable, Hashable {
    /// The check id.
    package var id: CheckID
    /// The mailbox, for per-mailbox checks.
    package var mailbox: String?
    /// The outcome.
    package var outcome: Outcome
    /// The check's level (nil: required).
    package var level: CheckDefinition.Level?
    /// How long the check took, in milliseconds.
    package var durationMilliseconds: Double
    /// The ids of the exchanges the result cites.
    package var evidence: [Int]
    /// Where the whole result is: its journal line, or the result itself when it could not be
    /// written (or did not come from a journal).
    package var storage: Storage

    /// Where a recorded result is.
    package enum Storage: Sendable, Hashable {
        /// A line of the run's journal.
        case journal(offset: Int, length: Int)
        /// In memory (boxed: the light record stays a few dozen bytes).
        indirect case memory(CheckResult)
    }

    /// The light record of `result`, stored at `storage`.
    package init(_ result: CheckResult, storage: Storage) {
        id = result.id
        mailbox = result.mailbox
        outcome = result.outcome
        level = result.level
        durationMilliseconds = result.durationMilliseconds
        evidence = result.evidence
        self.storage = storage
    }

    /// Whether this result counts against the verdict: only required checks do.
    package var isRequired: Bool { (level ?? .required) == .required }

    /// `id[mailbox]` or `id`.
    package var displayName: String { mailbox.map { "\(id)[\($0)]" } ?? id.rawValue }
}
