extension CheckRegistry {
    /// Runs last, also after an interruption or `--fail-fast`: nothing the run created is left.
    static let cleanupFamily: [Check] = [
        Check(.init(id: CheckCatalog.cleanupComplete, title: "Everything the suite created was removed",
                    requirement: "No item created by the suite is left in any mailbox after the run: every CreateItem was answered and its item removed (or found by the run tag and removed), and a sweep for the run tag finds nothing.",
                    tags: ["cleanup"])) { suite, _ in
            await suite.cleanUp()
        },
    ]

    /// Checks that run after everything else, whatever happened before (never skipped for an
    /// interruption or `--fail-fast`), in registry order: the cleanup (never skipped for
    /// deselection either), then the schema validation of every response the run recorded,
    /// cleanup's included (left out when deselected: its `applies` says so; skipped by its own
    /// body after an interruption, `--fail-fast` or `--deadline`).
    static let finalChecks: Set<CheckID> = [CheckCatalog.cleanupComplete, CheckCatalog.schemaResponsesValid]
}
