import Conformance
import EWSTransport
import Foundation

/// What evidence a report keeps, and whether other people's data in it is masked. Applied to a
/// finished report before it is written, so every format shows the same thing.
package struct EvidencePolicy: Sendable, Hashable {
    /// Which exchanges are kept.
    package enum Scope: String, Sendable, CaseIterable {
        /// Every exchange.
        case all
        /// Every exchange of a check that did not pass, and the first exchange of each that did
        /// (enough to show what a pass rested on): report size follows what needs looking at.
        case failures
        /// None (results keep their facts and messages).
        case none
    }

    /// Which exchanges are kept.
    package var scope: Scope
    /// Whether values the suite did not create are kept as they came.
    package var keepPersonalData: Bool

    /// The default: failures, personal data masked.
    package init(scope: Scope = .failures, keepPersonalData: Bool = false) {
        self.scope = scope
        self.keepPersonalData = keepPersonalData
    }

    /// The report with the policy applied and stamped into it.
    package func apply(to report: RunReport) -> RunReport {
        apply(to: ReportSource(report)).materialized()
    }

    /// The source with the policy applied: results cite only the exchanges kept, exchanges are
    /// shortened and masked as each is read, and the head carries the stamp (its count of masked
    /// values is completed by whoever reads every exchange: report.json, ``ReportSource/materialized()``).
    /// Which exchanges are kept is decided from the light records alone.
    package func apply(to source: ReportSource) -> ReportSource {
        var keep: Set<Int>
        switch scope {
        case .all: keep = Set(source.exchangeIDs)
        case .none: keep = []
        case .failures:
            keep = []
            for result in source.results {
                if result.outcome == .passed || result.outcome == .skipped {
                    if let first = result.evidence.first { keep.insert(first) }
                } else {
                    keep.formUnion(result.evidence)
                }
            }
        }
        // Under `failures`, an exchange only a pass cites keeps the start of its bodies (what the
        // pass rested on), not a whole base64 attachment.
        var needed: Set<Int> = []
        for result in source.results where result.outcome != .passed && result.outcome != .skipped { needed.formUnion(result.evidence) }
        let kept = source.exchangeIDs.filter(keep.contains)
        var header = source.header
        let target = header.target
        let masker: PersonalDataMasker? = keepPersonalData ? nil : PersonalDataMasker(
            ownMarkers: ["[ewscheck ", "ewscheck run", "ewscheck-"],
            configuredAddresses: Set((target.mailboxes + [target.serviceAccount]
                + [target.outOfScopeMailbox, target.nonexistentMailbox].compactMap { $0 }).map { $0.lowercased() }))
        header.evidencePolicy = EvidencePolicyStamp(evidence: scope.rawValue, personalData: keepPersonalData ? "kept" : "masked",
                                                    exchangesDropped: source.exchangeIDs.count - kept.count, valuesMasked: 0)
        let results = source.results.map { var r = $0; r.evidence = r.evidence.filter(keep.contains); return r }
        let shortens = scope == .failures
        let (keepSet, neededSet) = (keep, needed)
        return ReportSource(
            header: header, results: results, exchangeIDs: kept, countsMaskedValues: masker != nil,
            result: { record in
                guard var r = source.result(record) else { return nil }
                r.evidence = r.evidence.filter(keepSet.contains)
                return r
            },
            exchange: { id in
                guard keepSet.contains(id), var x = source.exchange(id) else { return nil }
                if shortens, !neededSet.contains(id) {
                    x.requestBody = Self.shortened(x.requestBody)
                    x.responseBody = Self.shortened(x.responseBody)
                }
                var masked = 0
                if let masker {
                    let (body, n) = masker.mask(x.responseBody)
                    x.responseBody = body
                    masked = n
                }
                return ReportSource.Exchange(exchange: x, masked: masked)
            })
    }
}

extension EvidencePolicy {
    /// Bodies of exchanges kept only for a pass stop after this many characters.
    static let passingBodyLimit = 2048

    static func shortened(_ body: String) -> String {
        guard body.count > passingBodyLimit else { return body }
        return String(body.prefix(passingBodyLimit)) + " … [\(body.count - passingBodyLimit) more characters left out: the check passed; --evidence all keeps them]"
    }
}

/// Replaces, in an EWS response body, the values that carry other people's data — subjects and
/// bodies of mail, names, addresses, phone numbers, locations, out-of-office text — by a note of
/// their length, unless the suite created them (they carry one of its markers) or they are
/// addresses the user configured. Element names are matched whatever their prefix.
struct PersonalDataMasker: Sendable {
    /// The elements whose text is personal.
    static let elements = ["Subject", "Body", "TextBody", "UniqueBody", "Preview", "Location", "Message", "Entry",
                           "DisplayName", "Name", "EmailAddress", "GivenName", "Surname", "CompanyName", "JobTitle",
                           "Department", "OfficeLocation", "InternetMessageId", "MergedFreeBusy", "Organizer"]
    /// Folder names Exchange gives every mailbox: not personal.
    static let wellKnown: Set<String> = ["Inbox", "Top of Information Store", "Calendar", "Contacts", "Sent Items", "Deleted Items",
                                         "Drafts", "Outbox", "Junk Email", "Notes", "Tasks", "Journal", "Voice Mail",
                                         "Conversation History", "Archive", "Root", "Sync Issues"]

    let ownMarkers: [String]
    let configuredAddresses: Set<String>

    /// An element whose text may be personal data, with its value as group 2; compiled once (a
    /// regex per evidence body cost time, and Foundation leaks part of each compilation).
    private static let valueElement: NSRegularExpression? = try? NSRegularExpression(
        pattern: "<(?:[A-Za-z0-9_]+:)?(" + elements.joined(separator: "|") + ")(?:\\s[^>]*)?>([^<]*)</(?:[A-Za-z0-9_]+:)?\\1>")

    /// The masked text and the number of values masked.
    func mask(_ xml: String) -> (String, Int) {
        guard xml.contains("<") else { return (xml, 0) }
        var out = ""
        out.reserveCapacity(xml.utf8.count)
        var count = 0
        guard let regex = Self.valueElement else { return (xml, 0) }
        let ns = xml as NSString
        var last = 0
        for match in regex.matches(in: xml, range: NSRange(location: 0, length: ns.length)) {
            let valueRange = match.range(at: 2)
            let value = ns.substring(with: valueRange)
            out += ns.substring(with: NSRange(location: last, length: valueRange.location - last))
            if keeps(value) {
                out += value
            } else {
                out += "[masked: \(value.count) characters]"
                count += 1
            }
            last = valueRange.location + valueRange.length
        }
        out += ns.substring(from: last)
        return (out, count)
    }

    func keeps(_ value: String) -> Bool {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || Self.wellKnown.contains(trimmed) { return true }
        if ownMarkers.contains(where: { value.contains($0) }) { return true }
        if configuredAddresses.contains(trimmed.lowercased()) { return true }
        // The suite's own attachment names and voicemail text.
        if trimmed == "audio.wav" || trimmed.hasPrefix("You received a voice mail from +1 425 555 0100") { return true }
        return false
    }
}
