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
        // No more bytes than the limit is no more characters either (counting characters is the cost).
        guard body.utf8.count > passingBodyLimit, body.count > passingBodyLimit else { return body }
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

    /// The element names as UTF-8, for the byte scanner.
    private static let elementBytes: [[UInt8]] = elements.map { Array($0.utf8) }

    /// The masked text and the number of values masked.
    ///
    /// What is masked is the text of an element named in ``elements`` (any prefix, attributes
    /// allowed) whose content is text only, closed by the same local name (any prefix): the
    /// language `<(?:P:)?(NAME)(?:\s[^>]*)?>([^<]*)</(?:P:)?\1>` with `P` = `[A-Za-z0-9_]+`,
    /// matched left to right without overlap. It is scanned byte by byte (an ICU regular
    /// expression over an `NSString` was most of the masking's cost in the report writers).
    func mask(_ xml: String) -> (String, Int) {
        var xml = xml
        return xml.withUTF8 { bytes -> (String, Int) in
            guard let first = bytes.firstIndex(of: UInt8(ascii: "<")) else { return (String(decoding: bytes, as: UTF8.self), 0) }
            var out: [UInt8] = []
            var copied = 0
            var count = 0
            var at = first
            while at < bytes.count {
                guard bytes[at] == UInt8(ascii: "<"), let match = Self.valueElement(in: bytes, at: at) else {
                    at += 1
                    continue
                }
                let value = String(decoding: bytes[match.value], as: UTF8.self)
                if !keeps(value) {
                    if out.isEmpty { out.reserveCapacity(bytes.count) }
                    out.append(contentsOf: bytes[copied..<match.value.lowerBound])
                    out.append(contentsOf: "[masked: \(value.count) characters]".utf8)
                    copied = match.value.upperBound
                    count += 1
                }
                at = match.end
            }
            guard count > 0 else { return (String(decoding: bytes, as: UTF8.self), 0) }
            out.append(contentsOf: bytes[copied...])
            return (String(decoding: out, as: UTF8.self), count)
        }
    }

    /// The element starting at `start` (a `<`) when it is one whose text is masked: the byte range
    /// of its text and where the element ends.
    private static func valueElement(in b: UnsafeBufferPointer<UInt8>, at start: Int) -> (value: Range<Int>, end: Int)? {
        // `<`, an optional `prefix:`, the name.
        guard let name = qualifiedName(in: b, from: start + 1),
              elementBytes.contains(where: { $0.count == name.count && memcmp($0, b.baseAddress! + name.lowerBound, name.count) == 0 })
        else { return nil }
        var i = name.upperBound
        guard i < b.count else { return nil }
        if isSpace(b[i]) {
            // Attributes: anything up to the first `>`.
            while i < b.count, b[i] != UInt8(ascii: ">") { i += 1 }
        }
        guard i < b.count, b[i] == UInt8(ascii: ">") else { return nil }
        let valueStart = i + 1
        i = valueStart
        while i < b.count, b[i] != UInt8(ascii: "<") { i += 1 }
        let value = valueStart..<i
        // `</`, an optional `prefix:`, the same name, `>`.
        guard i + 1 < b.count, b[i + 1] == UInt8(ascii: "/"), let closing = qualifiedName(in: b, from: i + 2),
              closing.count == name.count, memcmp(b.baseAddress! + closing.lowerBound, b.baseAddress! + name.lowerBound, name.count) == 0,
              closing.upperBound < b.count, b[closing.upperBound] == UInt8(ascii: ">") else { return nil }
        return (value, closing.upperBound + 1)
    }

    /// The local name's range in a name that starts at `from`: `[A-Za-z0-9_]+`, after an optional
    /// `[A-Za-z0-9_]+:` prefix; nil when there is no name.
    private static func qualifiedName(in b: UnsafeBufferPointer<UInt8>, from: Int) -> Range<Int>? {
        var i = from
        while i < b.count, isNameByte(b[i]) { i += 1 }
        guard i > from else { return nil }
        guard i < b.count, b[i] == UInt8(ascii: ":") else { return from..<i }
        let local = i + 1
        i = local
        while i < b.count, isNameByte(b[i]) { i += 1 }
        return i > local ? local..<i : nil
    }

    private static func isNameByte(_ c: UInt8) -> Bool {
        (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || c == UInt8(ascii: "_")
    }

    /// `\s` between a tag's name and its attributes.
    private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (0x09...0x0D).contains(c) }

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
