import Foundation

/// Which checks a run has: `--only` / `--skip` (ids, globs like `voicemail.*`, `tag:must-fail`,
/// an area or id prefix like `impersonation`), `--read-only` and `--fail-fast`.
package struct CheckSelection: Sendable, Hashable, Codable {
    /// Patterns of the checks to run (their dependencies come along); empty: all.
    package var only: [String]
    /// Patterns of the checks to leave out (with the checks that depend on them).
    package var skip: [String]
    /// Leave out every check that creates, changes or deletes anything in a mailbox (and the
    /// checks that need one of them): for production tenants.
    package var readOnly: Bool
    /// Stop starting checks after the first required check that fails or errors (cleanup still runs).
    package var failFast: Bool

    /// Creates a selection; the default runs everything.
    package init(only: [String] = [], skip: [String] = [], readOnly: Bool = false, failFast: Bool = false) {
        self.only = only
        self.skip = skip
        self.readOnly = readOnly
        self.failFast = failFast
    }

    enum CodingKeys: String, CodingKey {
        case only, skip
        case readOnly = "read_only"
        case failFast = "fail_fast"
    }

    /// Whether `pattern` selects the check `definition`.
    static func matches(_ pattern: String, _ definition: CheckDefinition) -> Bool {
        if pattern.hasPrefix("tag:") { return definition.tags.contains(String(pattern.dropFirst(4))) }
        if pattern.contains(where: { "*?[".contains($0) }) { return fnmatch(pattern, definition.id.rawValue, 0) == 0 }
        let id = definition.id.rawValue
        return id == pattern || id.hasPrefix(pattern + ".") || definition.tags.contains(pattern)
    }

    /// The patterns of `--only` and `--skip` that select no check (a typo must not pass silently).
    package func unmatchedPatterns() -> [String] {
        (only + skip).filter { p in !CheckRegistry.definitions.contains { Self.matches(p, $0) } }
    }

    /// The checks left out, each with the reason (`--skip auth.*`, `--read-only: …`).
    package func deselected() -> [CheckID: String] {
        let definitions = CheckRegistry.definitions
        var reasons: [CheckID: String] = [:]
        if !only.isEmpty {
            // What --only names, plus everything it needs first.
            var wanted = Set(definitions.filter { d in only.contains { Self.matches($0, d) } }.map(\.id))
            var frontier = Array(wanted)
            while let id = frontier.popLast() {
                for dependency in CheckRegistry.check(id)?.definition.dependsOn ?? [] where wanted.insert(dependency).inserted {
                    frontier.append(dependency)
                }
            }
            for d in definitions where !wanted.contains(d.id) { reasons[d.id] = "not selected by --only \(only.joined(separator: ","))" }
        }
        for d in definitions where reasons[d.id] == nil {
            if let pattern = skip.first(where: { Self.matches($0, d) }) { reasons[d.id] = "--skip \(pattern)" }
            else if readOnly && d.changesMailbox { reasons[d.id] = "--read-only: it changes a mailbox" }
        }
        // A check whose dependency is left out goes too.
        var changed = true
        while changed {
            changed = false
            for d in definitions where reasons[d.id] == nil {
                if let missing = d.dependsOn.first(where: { reasons[$0] != nil }) {
                    reasons[d.id] = "depends on \(missing), which is left out (\(reasons[missing] ?? ""))"
                    changed = true
                }
            }
        }
        // The final cleanup always runs: items a run creates are always removed. (The other final
        // check, the schema validation, is left out like any other.)
        reasons[CheckCatalog.cleanupComplete] = nil
        return reasons
    }
}
