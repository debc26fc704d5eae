/// The recorded result of one check (for one mailbox, when per-mailbox).
public struct CheckResult: Sendable, Codable, Hashable {
    /// The check id.
    public var id: CheckID
    /// The title.
    public var title: String
    /// The requirement it proves.
    public var requirement: String
    /// The mailbox, for per-mailbox checks.
    public var mailbox: String?
    /// The outcome.
    public var outcome: Outcome
    /// What happened, in one or two sentences (the reason, for skips and failures).
    public var message: String
    /// How long the check took, in milliseconds.
    public var durationMilliseconds: Double
    /// Ids of the HTTP exchanges (in the report's `evidence`) that back the result.
    public var evidence: [Int]
    /// Facts the check observed (server build, offered schemes, byte counts).
    public var facts: [String: String]
    /// How much the check weighs in the verdict (nil in reports written before levels existed: required).
    public var level: CheckDefinition.Level?

    /// Creates a result.
    public init(id: CheckID, title: String, requirement: String, mailbox: String?, outcome: Outcome, message: String,
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
    public var isRequired: Bool { (level ?? .required) == .required }

    /// `id[mailbox]` or `id`: the name used in JUnit and on the console.
    public var displayName: String { mailbox.map { "\(id)[\($0)]" } ?? id.rawValue }
}
