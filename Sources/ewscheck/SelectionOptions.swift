import ArgumentParser
import Conformance

/// Which checks and mailboxes a run has.
struct SelectionOptions: ParsableArguments {
    @Option(name: .customLong("only"), parsing: .singleValue,
            help: ArgumentHelp("Run only these checks (and what they need first): an id, a glob (voicemail.*), an area or id prefix (impersonation), or tag:NAME (tag:must-fail). Repeatable; commas separate too.", valueName: "pattern"))
    var only: [String] = []

    @Option(name: .customLong("skip"), parsing: .singleValue,
            help: ArgumentHelp("Leave these checks out (and the checks that need them); same patterns as --only. Repeatable.", valueName: "pattern"))
    var skip: [String] = []

    @Option(name: .customLong("mailbox"), parsing: .singleValue,
            help: ArgumentHelp("Certify only this mailbox of the target file's mailboxes, or tag:NAME for the mailboxes mailboxes_file tags NAME. Repeatable.", valueName: "address"))
    var mailboxes: [String] = []

    @Flag(name: .customLong("fail-fast"), help: "Stop starting checks after the first required check fails or errors; created items are still removed.")
    var failFast = false

    @Flag(name: .customLong("read-only"), help: "Run only checks that create, change and delete nothing in a mailbox (for production tenants).")
    var readOnly = false

    /// The patterns, commas split.
    private static func split(_ list: [String]) -> [String] {
        list.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    }

    /// The selection these options ask for.
    var selection: CheckSelection {
        CheckSelection(only: Self.split(only), skip: Self.split(skip), readOnly: readOnly, failFast: failFast)
    }

    func validate() throws {
        let unmatched = selection.unmatchedPatterns()
        if !unmatched.isEmpty {
            throw ValidationError("\(unmatched.map { "'\($0)'" }.joined(separator: ", ")) select\(unmatched.count == 1 ? "s" : "") no check (`ewscheck run --list-checks` lists ids and tags)")
        }
    }

    /// Narrows the target's mailboxes to `--mailbox`; names one the target does not have.
    func apply(to target: inout TargetConfiguration) throws(TargetFileError) {
        guard !mailboxes.isEmpty else { return }
        let known = Set(target.mailboxes.map { $0.lowercased() })
        let tags = target.mailboxTags
        var wanted: Set<String> = []
        for item in mailboxes {
            if item.hasPrefix("tag:") {
                let tag = String(item.dropFirst(4))
                let tagged = target.mailboxes.filter { tags[$0]?.contains(tag) == true }
                guard !tagged.isEmpty else { throw TargetFileError("--mailbox \(item): no mailbox of the target's mailboxes_file has the tag \(tag)") }
                wanted.formUnion(tagged)
            } else {
                guard known.contains(item.lowercased()) else {
                    let shown = target.mailboxes.prefix(10).joined(separator: ", ") + (target.mailboxes.count > 10 ? ", … (\(target.mailboxes.count) in all)" : "")
                    throw TargetFileError("--mailbox \(item) is not one of the target's mailboxes (\(shown))")
                }
                wanted.insert(item.lowercased())
            }
        }
        target.mailboxes = target.mailboxes.filter { wanted.contains($0.lowercased()) }
    }
}
