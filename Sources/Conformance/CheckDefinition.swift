/// What a check proves, what it needs first and how much its verdict weighs: the part of a check
/// that reports, `--list-checks`, the README table and profile validation read.
package struct CheckDefinition: Sendable, Hashable, Codable {
    /// How much a check weighs in the run's verdict.
    package enum Level: String, Sendable, Hashable, Codable, CaseIterable {
        /// The product cannot work without it: a failure fails the run (exit 1).
        case required
        /// Clients work without it, but worse: a failure is reported, the run still conforms.
        case recommended
        /// A fact worth knowing; never changes the verdict.
        case informational
    }

    /// The stable id.
    package var id: CheckID
    /// A short title.
    package var title: String
    /// The requirement of the contact-center product this check proves: the answer that earns a pass.
    package var requirement: String
    /// The area (the id's first component; the JUnit class).
    package var area: String
    /// Selection tags (`--only tag:must-fail`); the area is always one of them.
    package var tags: [String]
    /// Checks that must pass first (for per-mailbox checks, the same mailbox's result; a check that
    /// is not per mailbox but depends on a per-mailbox one needs it passed for at least one mailbox).
    package var dependsOn: [CheckID]
    /// Whether it runs once per configured mailbox.
    package var perMailbox: Bool
    /// Whether the operation under test must be refused by the provider (a negative control).
    package var mustFail: Bool
    /// Whether it creates, changes or deletes anything in a mailbox (left out by `--read-only`).
    package var changesMailbox: Bool
    /// The provider manifest fields whose promise this check enforces (`auth.refused_schemes`).
    package var enforces: [String]
    /// How much it weighs in the verdict.
    package var level: Level
    /// When the check is part of a run; nil: always.
    package var appliesWhen: String?

    /// Creates a definition.
    package init(id: CheckID, title: String, requirement: String, dependsOn: [CheckID] = [], perMailbox: Bool = false,
                mustFail: Bool = false, changesMailbox: Bool = false, tags: [String] = [], enforces: [String] = [],
                level: Level = .required, appliesWhen: String? = nil) {
        self.id = id
        self.title = title
        self.requirement = requirement
        self.area = id.area
        var all = [id.area]
        if mustFail { all.append("must-fail") }
        if perMailbox { all.append("per-mailbox") }
        if changesMailbox { all.append("writes") }
        for tag in tags where !all.contains(tag) { all.append(tag) }
        self.tags = all
        self.dependsOn = dependsOn
        self.perMailbox = perMailbox
        self.mustFail = mustFail
        self.changesMailbox = changesMailbox
        self.enforces = enforces
        self.level = level
        self.appliesWhen = appliesWhen
    }

    enum CodingKeys: String, CodingKey {
        case id, title, requirement, area, tags, level
        case dependsOn = "depends_on"
        case perMailbox = "per_mailbox"
        case mustFail = "must_fail"
        case changesMailbox = "changes_mailbox"
        case enforces
        case appliesWhen = "applies_when"
    }
}
