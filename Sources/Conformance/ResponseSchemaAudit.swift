import EWSProtocol
import EWSTransport
import Foundation

/// Validates the EWS SOAP responses in a run's evidence against one compiled schema set: each
/// envelope's EWS header elements (`ServerVersionInfo`) and its body's operation response.
///
/// Cost bound: every envelope is validated up to ``cap``; the rest are counted, not parsed.
/// Parsing is most of the cost (measured on a 100-mailbox simulated run, 8,828 responses: about
/// 1.5 s in a debug build, whether each is validated or only its first of a kind, so nothing is
/// deduplicated below the cap). Faults are counted, not validated (their `detail` is not in the
/// EWS schemas); bodies the evidence cut short (over the trace body limit) cannot be validated
/// and are counted as such.
struct ResponseSchemaAudit {
    /// One invalid response.
    struct Finding: Sendable {
        var exchange: HTTPExchange
        /// The operation's response element (`GetFolderResponse`), or the header element.
        var element: String
        var violation: SchemaValidator.Violation
    }

    /// How many envelopes are validated at most (a 1,000-mailbox run records about 90,000).
    static let cap = 25_000

    /// EWS SOAP 1.1 envelopes found in the evidence.
    private(set) var envelopes = 0
    /// Envelopes validated.
    private(set) var validated = 0
    /// EWS answers left unread because the cap was reached.
    private(set) var overCap = 0
    /// Envelopes with a SOAP fault body (not validated).
    private(set) var faults = 0
    /// EWS POST answers the evidence holds only in part.
    private(set) var truncated = 0
    /// Operations whose responses were validated.
    private(set) var operations: Set<String> = []
    /// The first invalid envelope, in evidence order (its first violation); only the first keeps
    /// its exchange, so an audit of a badly broken provider does not hold the run's evidence.
    private(set) var firstFinding: Finding?
    /// How many envelopes were invalid.
    private(set) var invalidCount = 0
    /// Milliseconds spent parsing and validating.
    private(set) var milliseconds = 0.0

    /// Audits every POST to `ewsURL` in `evidence` (in exchange order).
    mutating func audit(_ evidence: [HTTPExchange], ewsURL: String, validator: SchemaValidator) {
        let sorted = evidence.sorted(by: { $0.id < $1.id })
        audit(ids: sorted.indices, exchange: { sorted[$0] }, ewsURL: ewsURL, validator: validator)
    }

    /// Audits every POST to `ewsURL` in the run's evidence spool, read back one exchange at a time
    /// (in exchange order), so the run's evidence is never in memory at once.
    mutating func audit(_ spool: EvidenceSpool, ewsURL: String, validator: SchemaValidator) {
        audit(ids: spool.ids, exchange: spool.exchange, ewsURL: ewsURL, validator: validator)
    }

    private mutating func audit<IDs: Sequence>(ids: IDs, exchange read: (IDs.Element) -> HTTPExchange?, ewsURL: String, validator: SchemaValidator) {
        let clock = ContinuousClock.now
        defer {
            let elapsed = ContinuousClock.now - clock
            milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        }
        let endpoint = Self.withoutQuery(ewsURL).lowercased()
        for id in ids {
            guard let exchange = read(id), exchange.method == "POST", exchange.error == nil,
                  Self.withoutQuery(exchange.url).lowercased() == endpoint else { continue }
            let body = exchange.responseBody
            guard body.contains(EWSNamespace.soap) else { continue }
            if Self.isTruncated(body) {
                truncated += 1
                continue
            }
            guard validated < Self.cap else {
                overCap += 1
                continue
            }
            for envelope in Self.envelopes(in: Array(body.utf8)) {
                audit(envelope: envelope, of: exchange, validator: validator)
            }
        }
    }

    private mutating func audit(envelope bytes: [UInt8], of exchange: HTTPExchange, validator: SchemaValidator) {
        // The one hardened entry point; what it refuses is not a SOAP 1.1 answer, which the
        // checks that made the request already judged.
        guard let tree = try? XMLTree(parsing: bytes), let root = tree.root, root.is("Envelope", EWSNamespace.soap),
              let body = root.child("Body", EWSNamespace.soap) else { return }
        envelopes += 1
        let ews = [EWSNamespace.messages, EWSNamespace.types]
        let payload = body.children
        if payload.contains(where: { $0.is("Fault", EWSNamespace.soap) }) {
            faults += 1
            return
        }
        let targets = (root.child("Header", EWSNamespace.soap)?.children ?? []).filter { ews.contains($0.namespace ?? "") }
            + payload.filter { ews.contains($0.namespace ?? "") }
        guard !targets.isEmpty else { return }
        let operation = payload.first?.name ?? "(empty body)"
        validated += 1
        operations.insert(operation)
        for element in targets {
            if let first = validator.validate(element).first {
                if firstFinding == nil { firstFinding = Finding(exchange: exchange, element: element.name, violation: first) }
                invalidCount += 1
                return
            }
        }
    }

    /// The envelopes of a body: one, or several for a GetStreamingEvents stream.
    private static func envelopes(in bytes: [UInt8]) -> [[UInt8]] {
        var splitter = SOAPEnvelopeSplitter()
        let found = splitter.feed(bytes)
        return found.isEmpty ? [bytes] : found
    }

    private static func withoutQuery(_ url: String) -> String {
        url.split(separator: "?", maxSplits: 1).first.map(String.init) ?? url
    }

    /// Whether the transport kept only the start of the body (its excerpt ends `… [N more bytes]`).
    static func isTruncated(_ body: String) -> Bool {
        guard body.hasSuffix(" more bytes]"), let marker = body.range(of: "… [", options: .backwards) else { return false }
        return body[marker.upperBound...].dropLast(" more bytes]".count).allSatisfy(\.isNumber)
    }

    /// What the audit did, as facts.
    var facts: [String: String] {
        var facts = ["responses": String(envelopes), "validated": String(validated), "faults_not_validated": String(faults),
                     "operations_validated": String(operations.count),
                     "validation_ms": String(format: "%.1f", milliseconds)]
        if overCap > 0 { facts["over_cap_not_validated"] = "\(overCap) (at most \(Self.cap) responses are validated per run)" }
        if truncated > 0 { facts["truncated_not_validated"] = String(truncated) }
        if invalidCount > 0 { facts["invalid_responses"] = String(invalidCount) }
        return facts
    }
}
