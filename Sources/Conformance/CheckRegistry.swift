import Foundation

/// The one list of checks. Run order, report order, dependency skips, `--list-checks`, the
/// README table, known-deviation validation and the catalogue version all derive from it.
package enum CheckRegistry {
    /// The version of the certification policy: raised whenever a check is added, removed, or its
    /// requirement, level or dependencies change (the ``fingerprint`` changes with them).
    package static let version = "2026.12.7"

    /// Every check, family by family, in run and report order.
    static let checks: [Check] = discoveryFamily + endpointFamily + authFamily + kerberosFamily + versionFamily + wsdlFamily
        + impersonationFamily + impersonationMatrixFamily + voicemailFamily
        + deliveryFamily + messageWaitingFamily + notificationsFamily + directoryFamily + routingFamily + versionMatrixFamily
        + presenceFamily
        + cleanupFamily + schemaFamily

    private static let index: [CheckID: Int] = Dictionary(checks.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })

    /// The definitions, in order.
    package static var definitions: [CheckDefinition] { checks.map(\.definition) }

    /// The check with an id.
    static func check(_ id: CheckID) -> Check? { index[id].map { checks[$0] } }

    /// Report order: registry order with each area kept together (JUnit writes one testsuite per
    /// area), areas in the order they first appear.
    private static let reportIndex: [CheckID: Int] = {
        var areaRank: [String: Int] = [:]
        for check in checks where areaRank[check.definition.area] == nil { areaRank[check.definition.area] = areaRank.count }
        let sorted = checks.enumerated().sorted { (areaRank[$0.element.definition.area] ?? 0, $0.offset) < (areaRank[$1.element.definition.area] ?? 0, $1.offset) }
        return Dictionary(sorted.enumerated().map { ($1.element.id, $0) }, uniquingKeysWith: { a, _ in a })
    }()

    /// The position of an id in report order (unknown ids last).
    package static func order(of id: CheckID) -> Int { reportIndex[id] ?? Int.max }

    /// The definitions in report order.
    package static var reportOrder: [CheckDefinition] { definitions.sorted { order(of: $0.id) < order(of: $1.id) } }

    /// Whether an id names a check of this catalogue.
    package static func contains(_ id: CheckID) -> Bool { index[id] != nil }

    /// A short digest of every definition (id, level, requirement, dependencies, flags): two
    /// reports with the same fingerprint were judged by the same rules.
    package static let fingerprint: String = {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for d in definitions {
            let line = [d.id.rawValue, d.level.rawValue, d.requirement, d.dependsOn.map(\.rawValue).joined(separator: ","),
                        String(d.perMailbox), String(d.mustFail), String(d.changesMailbox), d.appliesWhen ?? ""].joined(separator: "|") + "\n"
            for byte in line.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0100_0000_01b3
            }
        }
        return String(hash, radix: 16).leftPadded(to: 16)
    }()

    /// The catalogue stamp written into every report.
    package static var stamp: RunReport.Catalog { RunReport.Catalog(version: version, fingerprint: fingerprint, checks: checks.count) }

    /// Ids of `profile`'s known deviations that name no check of this catalogue (a typo would
    /// otherwise match nothing, silently).
    package static func unknownDeviationIDs(in ids: [String]) -> [String] {
        ids.filter { !contains(CheckID($0)) }
    }

    /// The README's check table: one row per check, `| id | level | proves |`.
    package static func markdownTable() -> String {
        var lines = ["| id | level | proves |", "| --- | --- | --- |"]
        for d in definitions {
            var notes: [String] = []
            if d.perMailbox { notes.append("per mailbox") }
            if d.mustFail { notes.append("must-fail") }
            if let when = d.appliesWhen { notes.append("when \(when)") }
            let prefix = notes.isEmpty ? "" : "(\(notes.joined(separator: "; "))) "
            let text = (prefix + d.requirement).replacingOccurrences(of: "|", with: "\\|")
            lines.append("| `\(d.id)` | \(d.level.rawValue) | \(text) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// `--list-checks` as plain text: each check with its requirement and what selects it.
    package static func listing() -> String {
        var out = "ewscheck check catalogue \(version) (fingerprint \(fingerprint)), \(checks.count) checks in run order\n"
        for d in definitions {
            out += "\n\(d.id)  [\(d.level.rawValue)]  \(d.title)\n"
            out += "    requires: \(d.requirement)\n"
            out += "    tags: \(d.tags.joined(separator: ", "))"
            if !d.dependsOn.isEmpty { out += "; after: \(d.dependsOn.map(\.rawValue).joined(separator: ", "))" }
            out += "\n"
            if let when = d.appliesWhen { out += "    applies when: \(when)\n" }
            if !d.enforces.isEmpty { out += "    enforces manifest fields: \(d.enforces.joined(separator: ", "))\n" }
        }
        return out
    }

    /// `--list-checks --json`: the catalogue stamp and every definition.
    package static func listingJSON() throws -> Data {
        struct Listing: Encodable {
            var version: String
            var fingerprint: String
            var checks: [CheckDefinition]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(Listing(version: version, fingerprint: fingerprint, checks: definitions))
    }

    /// Manifest field → the checks that enforce it (for `plugins inspect`).
    package static func enforcedFields() -> [String: [CheckID]] {
        var map: [String: [CheckID]] = [:]
        for d in definitions { for field in d.enforces { map[field, default: []].append(d.id) } }
        return map
    }
}

private extension String {
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
