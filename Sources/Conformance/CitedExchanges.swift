import EWSTransport

/// The exchanges a run-wide check makes for every mailbox (the final cleanup's sweeps: two or more
/// per mailbox). Each goes to the run's evidence spool as it is made and the verdict cites it by
/// id, so the check's memory does not grow with the mailbox count. Kept whole are only those the
/// verdict's later steps read: any whose answer has the wrong shape (the pass gate, ``CheckContext/gate(_:)``),
/// any that failed in transport (a cancelled request), and the last one (a profile's
/// `classify_response` hook reads it).
struct CitedExchanges {
    /// Every exchange added, by id, in the order made.
    private(set) var ids: [Int] = []
    private var kept: [HTTPExchange] = []
    private var last: HTTPExchange?
    private let recorder: Recorder

    /// Citations spooled through `recorder`.
    init(recorder: Recorder) { self.recorder = recorder }

    /// Spools `exchanges` and cites them.
    mutating func add(_ exchanges: [HTTPExchange?]) async {
        for case let x? in exchanges {
            await recorder.keep(x)
            ids.append(x.id)
            if x.error != nil || ResponseShape.problem(of: x) != nil { kept.append(x) }
            last = x
        }
    }

    /// `verdict` citing every exchange added (before its own).
    func cited(in verdict: Verdict) -> Verdict {
        var v = verdict
        var whole = kept
        if let last, whole.last?.id != last.id { whole.append(last) }
        v.exchanges = whole + v.exchanges
        v.spooled = ids
        return v
    }
}
