/// The recorded result of one check (for one mailbox, when per-mailbox).
package struct CheckResult: Sendable, Codable, Hashable {
    /// The check id.
    package var id: CheckID
    /// The title.
    package var title: String
    /// The requirement it proves.
    package var requirement: String
    /// The mailbox, for per-mailbox checks.
    package var mailbox: String?
    /// The outcome.
    package var outcome: Outcome
    /// What happened, in one or two sentences (the reason, for skips and failures).
    package var message: String
    /// How long the check took, in milliseconds.
    package var durationMilliseconds: Double
    /// Ids of the HTTP exchanges (in the report's `evidence`) that back the result.
    package var evidence: [Int]
    /// Facts the check observed (server build, offered schemes, byte counts).
    package var facts: [String: String]
    /// How much the check weighs in the verdict (nil in reports written before levels existed: required).
    package var level: CheckDefinition.Level?

    /// Creates a result.
    package init(id: CheckID, title: String, requirement: String, mailbox: String?, outcome: Outcome, message: String,
                durationMilliseconds: Double, evidence: [Int], facts: [String: String], level: CheckDefinition.Level? = nil) {
        self.id = id
        self.title = title
        self.requirement = requirement
        self.mailbox = mailbox
        self.outcome = outcome
        self.message = message
        self.durationMilliseconds = durationMilliseconds
        self.evidence = evidence
        self.facts = facts
        self.level = level
    }

    /// Whether this result counts against the verdict: only required checks do.
    package var isRequired: Bool { (level ?? .required) == .required }

    /// `id[mailbox]` or `id`: the name used in JUnit and on the console.
    package var displayName: String { mailbox.map { "\(id)[\($0)]" } ?? id.rawValue }
}
