/// One check as a value: its definition, when it is part of a run, and the body that earns its
/// verdict. Adding a check is adding one of these to a family in `CheckRegistry+<Family>.swift`.
struct Check: Sendable {
    /// What it proves (reports, listing, profile validation).
    var definition: CheckDefinition
    /// Whether this run has it at all (a profile's refused schemes, an OAuth target, a discovery
    /// section); a check that does not apply leaves no result and is no reason to skip dependents.
    var applies: @Sendable (CheckContext) -> Bool
    /// Runs the check (for one mailbox, when per mailbox) and returns what it found.
    var body: @Sendable (CheckContext, _ mailbox: String?) async -> Verdict
    /// The weight its results carry in this run, when the profile decides it (a ConnectingSID
    /// form is required only where the profile's `connecting_sid` names it); nil: the definition's level.
    var runLevel: (@Sendable (CheckContext) -> CheckDefinition.Level)?

    /// Creates a check.
    init(_ definition: CheckDefinition, applies: @escaping @Sendable (CheckContext) -> Bool = { _ in true },
         runLevel: (@Sendable (CheckContext) -> CheckDefinition.Level)? = nil,
         body: @escaping @Sendable (CheckContext, _ mailbox: String?) async -> Verdict) {
        self.definition = definition
        self.applies = applies
        self.runLevel = runLevel
        self.body = body
    }

    var id: CheckID { definition.id }
}
