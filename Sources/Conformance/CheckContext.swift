import EWSProtocol
import EWSTransport
import Foundation
import ProviderManifest

/// The checks of the standard suite, wired to one target.
struct CheckContext: Sendable {
    let target: TargetConfiguration
    let client: EWSClient
    let transport: HTTPTransport
    let recorder: Recorder
    let ledger: CleanupLedger
    let runID: String
    let profile: RunProfile?
    /// What checks hand to later checks.
    let state: RunState
    /// Checks this run leaves out (`--only`, `--skip`, `--read-only`), with the reason.
    var deselected: [CheckID: String] = [:]
    /// Whether the first failing required check stops the run.
    var failFast = false
    /// A genuinely expired token for `auth.must-fail.expired-token` (from a simulator); nil forges one.
    var expiredToken: Secret? = nil
    /// The folder of reference EWS schemas (`v2017/`, `exchange2010sp2/`) that
    /// `ews.schema.responses-valid` falls back on when the provider serves none.
    var referenceSchemas: String? = nil

    static let voicemailClass = "IPM.Note.Microsoft.Voicemail.UM.CA"

    /// The transport factory of the run: a one-connection transport for a probe that must send
    /// other credentials than the run's (a wrong password, an expired or delegated token, a
    /// hand-made Negotiate token), with the run's TLS, timeouts, host pins and proxy, and exchange
    /// ids from the run's one source. The caller shuts it down.
    func probeTransport(credentials: HTTPCredentials) -> HTTPTransport {
        var settings = transport.configuration
        settings.credentials = credentials
        // Exactly these credentials: not the run's renewed token.
        settings.bearerTokenSource = nil
        settings.connections = 1
        return HTTPTransport(configuration: settings, exchangeIDs: transport.exchangeIDs)
    }

    /// Whether a check is part of this run: it applies to the target and profile, and is selected.
    func isPlanned(_ check: Check) -> Bool { deselected[check.id] == nil && check.applies(self) }

    /// How many results a full run of this suite records: each planned check once, per-mailbox
    /// ones once per mailbox (an estimate where Autodiscover decides which probes run).
    func expectedResultCount() -> Int {
        CheckRegistry.checks.filter(isPlanned).reduce(0) { $0 + ($1.definition.perMailbox ? max(1, target.mailboxes.count) : 1) }
    }

    /// Runs one check: skips it when a dependency did not pass, the run was interrupted or
    /// stopped by `--fail-fast`; then the body, the envelope gate and the profile's classifier.
    func run(_ check: Check, mailbox: String? = nil) async {
        var definition = check.definition
        // The result carries the weight this run gives the check (the listing shows the default).
        if let runLevel = check.runLevel { definition.level = runLevel(self) }
        let clock = ContinuousClock.now
        var verdict: Verdict?
        let final = CheckRegistry.finalChecks.contains(check.id)
        if !final, Task.isCancelled {
            verdict = .stopped("run interrupted before this check started")
        } else if !final, let reason = state.stopReason {
            verdict = .stopped(reason)
        } else {
            verdict = await dependencySkip(definition, mailbox: mailbox)
        }
        var result: Verdict
        if let verdict { result = verdict } else {
            // Every back-off the provider asked for while the check ran goes into its facts.
            let throttled = ThrottleLog()
            // So does every renewal of the access token its requests caused.
            let renewals = TokenRenewalLog()
            result = await classify(check.id, Self.gate(await TokenRenewalLog.$current.withValue(renewals) {
                await ThrottleLog.$current.withValue(throttled) { await check.body(self, mailbox) }
            }))
            result.facts.merge(throttled.facts) { mine, _ in mine }
            // A check that passed only after backing off says so where people read it.
            if result.outcome == .passed, let note = Self.backOffNote(throttled.all) { result.message += " " + note }
            result.facts.merge(renewals.facts) { mine, _ in mine }
            // A request kept back because the run's token or ticket could not be renewed was never
            // answered: the check could not test, whatever it made of the missing answer.
            if result.outcome == .failed, let refusal = renewals.refusals.first {
                result.message = "could not test: a request was not sent: \(refusal); the check would otherwise have said: \(result.message)"
                result.outcome = .errored
                result.facts["credential_renewal_failed"] = refusal
            }
            // The throttled answers are evidence too (after the gate: a 503 page is no failure of the check).
            result.exchanges = renewals.exchanges + throttled.exchanges + result.exchanges
        }
        let elapsed = ContinuousClock.now - clock
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let recorded = await recorder.record(definition, mailbox: mailbox, verdict: result, duration: seconds * 1000)
        if failFast, definition.level == .required, [.failed, .errored, .unexpectedPass].contains(recorded.outcome) {
            state.stop("not run: --fail-fast stopped the run after \(recorded.displayName) \(Recorder.phrase(recorded.outcome))")
        }
    }

    /// What a check that passed after backing off adds to its message: "(passed after 2 back-offs,
    /// 800 ms, requested by the provider)"; nil without waits.
    static func backOffNote(_ waits: [ThrottlingPolicy.Wait]) -> String? {
        guard !waits.isEmpty else { return nil }
        let ms = waits.reduce(0) { $0 + $1.milliseconds }
        return "(passed after \(waits.count) back-off\(waits.count == 1 ? "" : "s"), \(ms) ms, requested by the provider)"
    }

    /// Why a check must be skipped for its dependencies; nil when they allow it to run. A
    /// dependency that does not apply to this run is passed over; a per-mailbox dependency of a
    /// check that is not per mailbox must have passed for at least one mailbox.
    private func dependencySkip(_ definition: CheckDefinition, mailbox: String?) async -> Verdict? {
        for dependency in definition.dependsOn {
            guard let depCheck = CheckRegistry.check(dependency) else { continue }
            let depMailbox = depCheck.definition.perMailbox ? mailbox : nil
            if depCheck.definition.perMailbox && mailbox == nil {
                let outcomes = await recorder.outcomes(of: dependency)
                if outcomes.contains(where: \.satisfiesDependents) { continue }
                if outcomes.isEmpty {
                    if !isPlanned(depCheck) { continue }
                    return .skipped("depends on \(dependency), which did not run for any mailbox")
                }
                var reason = "depends on \(dependency), which passed for no mailbox"
                if let first = target.mailboxes.first, let root = await recorder.rootCause(of: dependency, mailbox: first) {
                    reason += " (\(root))"
                }
                return .skipped(reason)
            }
            let outcome = await recorder.outcome(of: dependency, mailbox: depMailbox)
            if outcome == nil && !isPlanned(depCheck) {
                if let why = deselected[dependency] { return .skipped("depends on \(dependency), which is left out (\(why))") }
                continue
            }
            if outcome?.satisfiesDependents != true {
                let name = depMailbox.map { "\(dependency)[\($0)]" } ?? dependency.rawValue
                var reason = "depends on \(name), which \(outcome.map(Recorder.phrase) ?? "did not run")"
                // Name the check that really failed, not only the skipped link before this one.
                if outcome == .skipped, let root = await recorder.rootCause(of: dependency, mailbox: depMailbox) {
                    reason += " because \(root)"
                }
                return .skipped(reason)
            }
        }
        return nil
    }

    /// Lets the profile's `classify_response` hook explain a failed or errored answer. The hook
    /// may turn a failure into an error or the reverse and put its words in front, never produce
    /// a pass, a skip or an expected failure: only a known deviation with a matching signature
    /// makes a failure expected.
    func classify(_ id: CheckID, _ verdict: Verdict) async -> Verdict {
        guard verdict.outcome == .failed || verdict.outcome == .errored, let classifier = profile?.responseClassifier else { return verdict }
        let last = verdict.exchanges.last
        let input = ClassifyResponseInput(
            checkID: id.rawValue, httpStatus: verdict.facts["http_status"].flatMap { Int($0) } ?? last?.legs.last?.status ?? 0,
            responseCode: verdict.facts["response_code"], faultCode: verdict.facts["fault_code"],
            bodyExcerpt: String((last?.responseBody ?? "").prefix(4096)))
        guard let output = await HookExecutor.call("classify_response", profile, { classifier(input) }) else { return verdict }
        var classified = verdict
        let profilePhrase = profile?.phrase ?? "the provider profile"
        switch output.outcome {
        case .failed: classified.outcome = .failed
        case .errored: classified.outcome = .errored
        case .passed, .skipped, .expectedFailure:
            classified.facts["classify_response_refused"] = output.outcome.rawValue
            classified.message = "\(output.message) (\(profilePhrase)'s classify_response asked for \(output.outcome.rawValue), which a hook cannot give; the harness saw: \(verdict.message))"
            return classified
        }
        classified.message = "\(output.message) (classified by \(profilePhrase); the harness saw: \(verdict.message))"
        return classified
    }

    /// A pass stands only on well-formed EWS answers: an exchange it cites that carries HTML, a
    /// SOAP 1.2 envelope or a non-XML content type where SOAP belongs turns it into a failure
    /// with its own name.
    static func gate(_ verdict: Verdict) -> Verdict {
        guard verdict.outcome == .passed else { return verdict }
        for exchange in verdict.exchanges {
            if let problem = ResponseShape.problem(of: exchange) {
                var failed = verdict
                failed.outcome = .failed
                failed.message = "\(problem) (exchange #\(exchange.id)); the check would otherwise have said: \(verdict.message)"
                failed.facts["response_shape"] = problem
                return failed
            }
        }
        return verdict
    }

    /// Runs every planned check: the Autodiscover report first, then the checks that need no
    /// mailbox, then each mailbox's chain (mailboxes side by side), then the checks that contrast
    /// with a mailbox's result (must-fail impersonation, request version). The final cleanup is
    /// run by ``SuiteRunner`` in a task of its own.
    func runChecks() async {
        if target.discovery != nil { await prepareDiscovery() }
        let planned = CheckRegistry.checks.filter { isPlanned($0) && !CheckRegistry.finalChecks.contains($0.id) }
        let perMailbox = planned.filter(\.definition.perMailbox)
        let needsMailboxes = Set(planned.filter { !$0.definition.perMailbox && Self.dependsOnMailboxChecks($0.id) }.map(\.id))
        for check in planned where !check.definition.perMailbox && !needsMailboxes.contains(check.id) { await run(check) }
        let width = max(1, target.concurrency)
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                guard next < target.mailboxes.count else { return }
                let mailbox = target.mailboxes[next]
                next += 1
                group.addTask { for check in perMailbox { await run(check, mailbox: mailbox) } }
            }
            for _ in 0..<width { add() }
            while await group.next() != nil { add() }
        }
        for check in planned where needsMailboxes.contains(check.id) { await run(check) }
    }

    /// Runs only the Autodiscover checks: when discovery found no EWS URL there is nothing else to
    /// test, and these say why.
    func runDiscoveryChecks() async {
        guard target.discovery != nil else { return }
        await prepareDiscovery()
        let ids = Set(CheckRegistry.discoveryFamily.map(\.id))
        for check in CheckRegistry.checks where ids.contains(check.id) && isPlanned(check) { await run(check) }
    }

    /// Runs the checks that come last whatever happened (the cleanup).
    func runFinalChecks() async {
        for check in CheckRegistry.checks where CheckRegistry.finalChecks.contains(check.id) && check.applies(self) { await run(check) }
    }

    /// Whether a check needs, directly or through its dependencies, a per-mailbox check.
    static func dependsOnMailboxChecks(_ id: CheckID) -> Bool {
        var seen: Set<CheckID> = []
        var frontier = CheckRegistry.check(id)?.definition.dependsOn ?? []
        while let next = frontier.popLast() {
            guard seen.insert(next).inserted, let d = CheckRegistry.check(next)?.definition else { continue }
            if d.perMailbox { return true }
            frontier += d.dependsOn
        }
        return false
    }

    /// The parsed call as facts: HTTP status, the EWS ResponseCode (of the first response message
    /// or the fault's detail) and, for a fault, its faultcode and text, each in its own field.
    static func callFacts<P>(_ call: EWSCall<P>) -> [String: String] {
        var facts: [String: String] = [:]
        facts["http_status"] = call.httpStatus.map(String.init)
        switch call.outcome {
        case .fault(let fault):
            facts["fault_code"] = fault.faultCode
            facts["fault_text"] = fault.faultString
            facts["response_code"] = fault.responseCode
        case .responses(let messages):
            facts["response_code"] = messages.first?.responseCode
            if let text = messages.first?.messageText { facts["message_text"] = text }
        default: break
        }
        return facts
    }

    /// The throttling answer a call ended on, if it did: `ErrorExceededConnectionCount`, an
    /// `ErrorServerBusy` that asked for a back-off (BackOffMilliseconds), or HTTP 503 with
    /// `Retry-After`. An ErrorServerBusy without a back-off is no throttling the harness can honour.
    static func throttlingAnswer<P>(_ call: EWSCall<P>) -> String? {
        switch call.outcome {
        case .fault(let fault) where fault.code == "ErrorExceededConnectionCount": return "ErrorExceededConnectionCount"
        case .fault(let fault) where fault.code == "ErrorServerBusy" && call.exchange?.responseBody.contains("BackOffMilliseconds") == true:
            return "ErrorServerBusy with BackOffMilliseconds"
        case .httpError(status: 503, _) where call.responseHeaders.contains { $0.name.lowercased() == "retry-after" }:
            return "HTTP 503 with Retry-After"
        case .responses(let messages) where messages.contains { $0.responseCode == "ErrorExceededConnectionCount" }:
            return "ErrorExceededConnectionCount"
        default: return nil
        }
    }

    /// Describes a call that did not do what a positive check needed.
    func failure<P>(of call: EWSCall<P>, doing what: String, facts extra: [String: String] = [:]) -> Verdict {
        let facts = Self.callFacts(call).merging(extra) { _, new in new }
        // Exchange's bare 403: a tenant policy keeps EWS away, named with its remedy.
        if let block = policyBlock(call) {
            return .failed("\(what): \(block.message)", [call.exchange], facts: facts.merging(block.facts) { _, new in new })
        }
        // The same request refused on and on, every back-off honoured: the provider refuses it.
        if let throttle = Self.throttlingAnswer(call), let times = call.refusedAfterBackOffs {
            return .failed("\(what): the provider answered \(throttle) \(times) times in a row, each wait honoured as asked: it refuses this request rather than throttles it",
                           [call.exchange], facts: facts.merging(["throttled": throttle, "refused_after_back_offs": String(times)]) { _, new in new })
        }
        // Still throttled after every wait the run could afford: the harness could not tell, the
        // provider did nothing wrong (throttling is its right), so never a failure.
        if let throttle = Self.throttlingAnswer(call) {
            var verdict = Verdict.errored("\(what): the provider was still throttling (\(throttle)) after the waits this run could afford; not a finding about the provider",
                                          [call.exchange])
            verdict.facts = facts.merging(["throttled": throttle]) { _, new in new }
            return verdict
        }
        switch call.outcome {
        case .transportError(let e): return .errored("\(what): no answer: \(e)", [call.exchange])
        case .fault(let fault) where fault.code == "ErrorServerBusy":
            return .failed("\(what): ErrorServerBusy fault instead of a response: \(fault.faultString)", [call.exchange], facts: facts)
        case .fault(let fault) where fault.responseCode == nil:
            return .failed("\(what): SOAP fault \(fault.faultCode) instead of a response: \"\(fault.faultString)\"", [call.exchange], facts: facts)
        case .malformed: return .failed("\(what) failed: \(ResponseShape.describe(call))", [call.exchange], facts: facts)
        default: return .failed("\(what) failed: \(call.summary)", [call.exchange], facts: facts)
        }
    }
}
