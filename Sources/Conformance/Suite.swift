import EWSProtocol
import EWSTransport
import Foundation
import ProviderManifest

/// The checks of the standard suite, wired to one target.
struct Suite: Sendable {
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

    static let voicemailClass = "IPM.Note.Microsoft.Voicemail.UM.CA"

    /// Whether a check is part of this run: it applies to the target and profile, and is selected.
    func isPlanned(_ check: Check) -> Bool { deselected[check.id] == nil && check.applies(self) }

    /// Runs one check: skips it when a dependency did not pass, the run was interrupted or
    /// stopped by `--fail-fast`; then the body, the envelope gate and the profile's classifier.
    func run(_ check: Check, mailbox: String? = nil) async {
        let definition = check.definition
        let clock = ContinuousClock.now
        var verdict: Verdict?
        let final = CheckRegistry.finalChecks.contains(check.id)
        if !final, Task.isCancelled {
            verdict = .skipped("run interrupted before this check started")
        } else if !final, let reason = state.stopReason {
            verdict = .skipped(reason)
        } else {
            verdict = await dependencySkip(definition, mailbox: mailbox)
        }
        var result: Verdict
        if let verdict { result = verdict } else {
            // Every back-off the provider asked for while the check ran goes into its facts.
            let throttled = ThrottleLog()
            result = classify(check.id, Self.gate(await ThrottleLog.$current.withValue(throttled) { await check.body(self, mailbox) }))
            result.facts.merge(throttled.facts) { mine, _ in mine }
            // The throttled answers are evidence too (after the gate: a 503 page is no failure of the check).
            result.exchanges = throttled.exchanges + result.exchanges
        }
        let elapsed = ContinuousClock.now - clock
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let recorded = await recorder.record(definition, mailbox: mailbox, verdict: result, duration: seconds * 1000)
        if failFast, definition.level == .required, [.failed, .errored, .unexpectedPass].contains(recorded.outcome) {
            state.stop("not run: --fail-fast stopped the run after \(recorded.displayName) \(Recorder.phrase(recorded.outcome))")
        }
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
    func classify(_ id: CheckID, _ verdict: Verdict) -> Verdict {
        guard verdict.outcome == .failed || verdict.outcome == .errored, let classifier = profile?.responseClassifier else { return verdict }
        let last = verdict.exchanges.last
        let input = ClassifyResponseInput(
            checkID: id.rawValue, httpStatus: verdict.facts["http_status"].flatMap { Int($0) } ?? last?.legs.last?.status ?? 0,
            responseCode: verdict.facts["response_code"], faultCode: verdict.facts["fault_code"],
            bodyExcerpt: String((last?.responseBody ?? "").prefix(4096)))
        guard let output = classifier(input) else { return verdict }
        var classified = verdict
        let profileName = profile?.id ?? ""
        switch output.outcome {
        case .failed: classified.outcome = .failed
        case .errored: classified.outcome = .errored
        case .passed, .skipped, .expectedFailure:
            classified.facts["classify_response_refused"] = output.outcome.rawValue
            classified.message = "\(output.message) (the \(profileName) profile's classify_response asked for \(output.outcome.rawValue), which a hook cannot give; the harness saw: \(verdict.message))"
            return classified
        }
        classified.message = "\(output.message) (classified by the \(profileName) profile; the harness saw: \(verdict.message))"
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

    // MARK: checks

    func reachability() async -> Verdict {
        do {
            let response = try await transport.send(HTTPRequest(method: "GET", url: target.ewsURL), sendCredentials: false)
            let schemes = response.headers.all("WWW-Authenticate").compactMap { $0.split(separator: " ").first.map(String.init) }
            var facts = ["http_status": String(response.status)]
            if !schemes.isEmpty { facts["offered_schemes"] = schemes.joined(separator: ", ") }
            facts.merge(AuthChecks.serverHints(response.headers)) { current, _ in current }
            let over = target.ewsURL.lowercased().hasPrefix("https") ? "over verified TLS" : "over plain http"
            let tlsNote = target.insecure ? "over TLS (verification OFF)" : over
            return .passed("answered HTTP \(response.status) \(tlsNote)\(schemes.isEmpty ? "" : "; offers \(schemes.joined(separator: ", "))")",
                           [response.exchange], facts: facts)
        } catch let error as TransportError {
            return .failed("no HTTP answer from \(target.ewsURL): \(error)", [error.exchange])
        } catch {
            return .errored("unexpected error: \(error)")
        }
    }

    func authentication() async -> Verdict {
        let call = await client.perform(GetFolder(folders: [.distinguished("msgfolderroot")], shape: .idOnly))
        await recorder.setServerVersion(call.serverVersion)
        let scheme = transport.configuration.credentials.schemeName ?? "no"
        switch call.outcome {
        case .responses, .fault:
            // Any EWS-level answer after authentication proves the credentials (an app-only
            // token's ErrorMissingEmailAddress included); an overloaded server proves nothing.
            var facts = Self.callFacts(call)
            facts["scheme"] = scheme
            if case .fault(let fault) = call.outcome, fault.code == "ErrorServerBusy" {
                return .failed("ErrorServerBusy fault instead of a response: \(fault.faultString)", [call.exchange], facts: facts)
            }
            return .passed("EWS accepted \(scheme) credentials of \(target.serviceAccount.username) (\(call.summary))", [call.exchange],
                           facts: facts)
        case .httpError(401, let reason):
            return .failed("the server refused the service account's \(scheme) credentials: HTTP 401 \(reason)", [call.exchange])
        case .httpError(_, _):
            return .failed("authenticated request was answered \(call.summary)", [call.exchange])
        case .malformed:
            return .failed("the server answered, but not with EWS: \(ResponseShape.describe(call))", [call.exchange], facts: Self.callFacts(call))
        case .transportError(let e):
            return .errored("no answer to the authenticated request: \(e)", [call.exchange])
        }
    }

    func serverVersion() async -> Verdict {
        var exchanges: [HTTPExchange?] = []
        if await recorder.serverVersion == nil, let mailbox = target.mailboxes.first {
            // App-only tokens (Exchange Online) get a fault without the header until a request
            // impersonates someone: ask again as the first mailbox.
            let call = await client.perform(GetFolder(folders: [.distinguished("msgfolderroot")], shape: .idOnly),
                                            impersonating: connectingSID(mailbox))
            await recorder.setServerVersion(call.serverVersion)
            exchanges.append(call.exchange)
        }
        guard let v = await recorder.serverVersion else {
            return .failed("the EWS responses carried no ServerVersionInfo header", exchanges)
        }
        var facts = ["build": v.build, "product": v.productName]
        if let version = v.version { facts["version"] = version }
        if let minimum = profile?.minimumServerBuild, let minimumText = profile?.manifest.ews.minimumServerVersion {
            let actual = [v.majorVersion, v.minorVersion, v.majorBuildNumber, v.minorBuildNumber].map { $0 ?? 0 }
            facts["minimum_build"] = minimumText
            if actual.lexicographicallyPrecedes(minimum + Array(repeating: 0, count: max(0, 4 - minimum.count))) {
                return .failed("build \(v.build) is older than the \(minimumText) the \(profile?.id ?? "") profile requires", facts: facts)
            }
        }
        return .passed("\(v.productName), build \(v.build)\(v.version.map { ", schema \($0)" } ?? "")", exchanges, facts: facts)
    }

    /// How the run impersonates a mailbox: the first ConnectingSID form the profile lists that an
    /// address can give (PrimarySmtpAddress without a profile).
    func connectingSID(_ mailbox: String) -> ConnectingSID {
        Self.connectingSIDs(mailbox, forms: profile?.manifest.ews.connectingSIDs ?? []).first ?? .primarySmtpAddress(mailbox)
    }

    /// Every ConnectingSID form of `forms` an address can be sent as (a SID cannot be made from one).
    static func connectingSIDs(_ mailbox: String, forms: [String]) -> [ConnectingSID] {
        forms.compactMap { form in
            switch form {
            case "primary-smtp-address": return .primarySmtpAddress(mailbox)
            case "smtp-address": return .smtpAddress(mailbox)
            case "principal-name": return .principalName(mailbox)
            default: return nil
            }
        }
    }

    /// The verdict, and the Inbox unread count when the provider gives one. Each ConnectingSID form
    /// the profile lists is tried; every one must read the Inbox.
    func impersonatedGetFolder(_ mailbox: String) async -> (Verdict, Int?) {
        let forms = profile?.manifest.ews.connectingSIDs ?? []
        var sids = Self.connectingSIDs(mailbox, forms: forms)
        if sids.isEmpty { sids = [.primarySmtpAddress(mailbox)] }
        var exchanges: [HTTPExchange?] = []
        var facts: [String: String] = [:]
        var unread: Int?
        var read: [String] = []
        for sid in sids {
            let call = await client.perform(GetFolder(folders: [.inbox]), impersonating: sid)
            await recorder.setServerVersion(call.serverVersion)
            exchanges.append(call.exchange)
            guard call.messages.count == 1, let m = call.messages.first, m.responseClass == .success, m.responseCode == "NoError",
                  let folder = m.payload else {
                var failed = failure(of: call, doing: "impersonated GetFolder(Inbox) of \(mailbox) as \(sid.elementName)")
                failed.exchanges = exchanges.compactMap { $0 }
                return (failed, nil)
            }
            if unread == nil {
                facts["folder_id_present"] = "true"
                if let total = folder.totalCount { facts["total_count"] = String(total) }
                if let count = folder.unreadCount { facts["unread_count"] = String(count) }
                unread = folder.unreadCount
            }
            read.append(sid.elementName)
            // The profile's required headers went out (X-AnchorMailbox from the harness, others
            // from extra_headers or the adjust_request hook); a request without one proves nothing.
            let sent = call.exchange?.legs.last?.requestHeaders ?? []
            let missing = (profile?.manifest.ews.requiredHeaders ?? []).filter { name in !sent.contains { $0.name.caseInsensitiveCompare(name) == .orderedSame } }
            if !missing.isEmpty {
                return (.errored("the \(profile?.id ?? "") profile requires \(missing.joined(separator: ", ")), but the request went without it "
                                 + "(no value in ews.extra_headers, and no adjust_request hook set it)", exchanges), nil)
            }
        }
        facts["connecting_sid"] = read.joined(separator: ", ")
        if forms.contains("sid") { facts["sid_form"] = "not tried: the target file gives no SIDs" }
        let count = facts["total_count"].map { "\($0) items" } ?? "count not given"
        return (.passed("read \(mailbox)'s Inbox as the service account by \(read.joined(separator: " and ")) (\(count))", exchanges, facts: facts), unread)
    }

    /// The Inbox unread count rises by one with a new voicemail (what message-waiting lamps read).
    func messageWaiting(_ mailbox: String, before: Int?) async -> Verdict {
        let call = await client.perform(GetFolder(folders: [.inbox]), impersonating: connectingSID(mailbox))
        guard let m = call.messages.first, m.responseClass == .success, let folder = m.payload else {
            return failure(of: call, doing: "GetFolder(Inbox) after the voicemail")
        }
        guard let after = folder.unreadCount, let before else {
            return .failed("GetFolder(Inbox) of \(mailbox) gives no UnreadCount, so a message-waiting lamp cannot be driven from it", [call.exchange],
                           facts: ["unread_count": "absent"])
        }
        guard after == before + 1 else {
            return .failed("the Inbox unread count went from \(before) to \(after) after one new voicemail, not to \(before + 1)", [call.exchange],
                           facts: ["unread_before": String(before), "unread_after": String(after)])
        }
        return .passed("the Inbox unread count went from \(before) to \(after) with the new voicemail", [call.exchange],
                       facts: ["unread_before": String(before), "unread_after": String(after)])
    }

    /// The provider accepts a request version the product sends: an impersonated GetFolder(Inbox)
    /// of the first mailbox with that version must be answered NoError.
    func requestVersion(_ version: ExchangeVersion) async -> Verdict {
        guard let mailbox = target.mailboxes.first else { return .skipped("no mailbox to impersonate") }
        var settings = client.configuration
        settings.requestVersion = version
        let probe = EWSClient(transport: transport, configuration: settings)
        let call = await probe.perform(GetFolder(folders: [.inbox], shape: .idOnly), impersonating: connectingSID(mailbox))
        var facts = Self.callFacts(call)
        facts["request_version"] = version.rawValue
        if let m = call.messages.first, call.messages.count == 1, m.responseClass == .success, m.responseCode == "NoError", m.payload != nil {
            return .passed("RequestServerVersion \(version) is accepted: impersonated GetFolder(Inbox) of \(mailbox) answered NoError", [call.exchange], facts: facts)
        }
        switch call.outcome {
        case .fault(let fault) where ["ErrorInvalidServerVersion", "ErrorIncorrectSchemaVersion", "ErrorInvalidSchemaVersionForMailboxVersion"].contains(fault.code):
            return .failed("RequestServerVersion \(version) is refused with \(fault.code): \(fault.faultString)", [call.exchange], facts: facts)
        default:
            return failure(of: call, doing: "impersonated GetFolder(Inbox) of \(mailbox) with RequestServerVersion \(version)", facts: facts)
        }
    }

    func outOfScope() async -> Verdict {
        guard let mailbox = target.outOfScopeMailbox else {
            return .skipped("no negative_controls.out_of_scope_mailbox in the target: the scope cannot be tested")
        }
        return await expectRefusal(mailbox, code: "ErrorImpersonateUserDenied",
                                   breach: "the service account read \(mailbox)'s Inbox although it must be out of scope: impersonation scope is not enforced")
    }

    func nonexistent() async -> Verdict {
        guard let mailbox = target.nonexistentMailbox else {
            return .skipped("no negative_controls.nonexistent_mailbox in the target")
        }
        return await expectRefusal(mailbox, code: "ErrorNonExistentMailbox",
                                   breach: "impersonating \(mailbox), which must not exist, succeeded")
    }

    /// A must-fail check: the call has to be refused, with a specific EWS code (in a response
    /// message or in the detail of a SOAP fault). A fault's code and its ResponseCode are kept apart.
    private func expectRefusal(_ mailbox: String, code: String, breach: String) async -> Verdict {
        let call = await client.perform(GetFolder(folders: [.inbox]), impersonating: connectingSID(mailbox))
        await recorder.setServerVersion(call.serverVersion)
        let facts = Self.callFacts(call)
        var got: String?
        var text = ""
        switch call.outcome {
        case .fault(let fault):
            guard let responseCode = fault.responseCode else {
                return .failed("refused with a bare SOAP fault (faultcode \(fault.faultCode)): \"\(fault.faultString)\", not the EWS error \(code)",
                               [call.exchange], facts: facts)
            }
            got = responseCode
            text = fault.faultString
        case .responses(let messages):
            if let m = messages.first, m.responseClass != .success {
                got = m.responseCode
                text = m.messageText ?? ""
            } else if !messages.isEmpty { return .failed(breach, [call.exchange], facts: facts) }
        case .httpError(let status, _):
            return .failed("refused with HTTP \(status) instead of the EWS error \(code): \(call.summary)", [call.exchange], facts: facts)
        case .malformed:
            return .failed("answered with something that is not EWS: \(ResponseShape.describe(call))", [call.exchange], facts: facts)
        case .transportError(let e):
            return .errored("no answer: \(e)", [call.exchange])
        }
        guard let got, !got.isEmpty else { return .errored("the response had no response code", [call.exchange]) }
        if got == code {
            return .passed("refused with \(code) as required (HTTP \(call.httpStatus ?? 0))", [call.exchange], facts: facts)
        }
        return .failed("refused, but with \(got)\(text.isEmpty ? "" : " (\"\(text)\")") instead of \(code)", [call.exchange], facts: facts)
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

    /// Describes a call that did not do what a positive check needed.
    func failure<P>(of call: EWSCall<P>, doing what: String, facts extra: [String: String] = [:]) -> Verdict {
        let facts = Self.callFacts(call).merging(extra) { _, new in new }
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

    // MARK: cleanup

    /// Removes every item still in the ledger, sweeps each mailbox's Inbox for the run's tag (items
    /// whose CreateItem answer was lost), then records whether anything is left.
    func cleanUp() async -> Verdict {
        let outstanding = ledger.outstanding
        var exchanges: [HTTPExchange] = []
        for (mailbox, entries) in Dictionary(grouping: outstanding, by: \.mailbox) {
            let ids = entries.map { ItemIdentifier(id: $0.itemID) }
            let call = await client.perform(DeleteItem(items: ids), impersonating: connectingSID(mailbox))
            if let x = call.exchange { exchanges.append(x) }
            // A provider's NoError is not proof: only ErrorItemNotFound on a fresh GetItem is.
            let check = await client.perform(GetItem(items: ids, shape: .idOnly), impersonating: connectingSID(mailbox))
            if let x = check.exchange { exchanges.append(x) }
            for (entry, message) in zip(entries, check.messages) where message.responseCode == "ErrorItemNotFound" {
                ledger.recordRemoved(itemID: entry.itemID)
            }
        }
        // The sweep: every mailbox the run wrote to, searched for the run's tag. Only tags read back
        // with GetItem count; what the ledger already removed cannot be found again.
        let attempted = Set(ledger.attempts.map(\.mailbox))
        var foundByTag = 0
        var sweepProblems: [String] = []
        let sweep = LeftoverSweep(client: client, selection: .run(runID))
        for mailbox in target.mailboxes where attempted.contains(mailbox) {
            let result = await sweep.sweep(mailbox: mailbox, as: connectingSID(mailbox))
            exchanges += result.exchanges
            sweepProblems += result.problems
            let known = Set(ledger.all.map(\.itemID))
            for item in result.confirmed where !known.contains(item.identifier.id) {
                foundByTag += 1
                ledger.recordFoundByTag(mailbox: mailbox, item: item.identifier, subject: item.subject ?? "")
            }
            for item in result.removed { ledger.recordRemoved(itemID: item.identifier.id) }
        }
        let all = ledger.all
        let left = ledger.outstanding
        let unanswered = ledger.unanswered.count
        var facts = ["created": String(all.count), "attempted": String(ledger.attempts.count),
                     "found_by_tag": String(foundByTag), "unanswered_creates": String(unanswered)]
        if !sweepProblems.isEmpty { facts["sweep_problems"] = sweepProblems.joined(separator: "; ") }
        if let journalError = ledger.journalError { facts["ledger_file"] = journalError }
        let verdict: Verdict
        if !left.isEmpty {
            verdict = .failed("\(left.count) of \(all.count) items created could not be removed: "
                              + left.map { "\($0.mailbox) …\($0.itemID.suffix(12))" }.joined(separator: ", ") + " (full ids in report.json cleanup.leftover)",
                              exchanges, facts: facts)
        } else if unanswered > foundByTag {
            // An unanswered CreateItem may have created an item the ledger never saw; only the
            // sweep finding it by tag accounts for it.
            let why = sweepProblems.first.map { "the sweep for the run tag failed (\($0))" }
                ?? "the sweep for the run tag found \(foundByTag) of them"
            verdict = .failed("\(unanswered) CreateItem request(s) got no usable answer and \(why): cannot prove nothing is left",
                              exchanges, facts: facts)
        } else if ledger.attempts.isEmpty {
            verdict = .passed("the suite created no items, so none is left", exchanges, facts: facts)
        } else {
            let late = outstanding.count
            var message = "all \(all.count) items created were removed\(late > 0 ? " (\(late) by the final cleanup)" : "")"
            if foundByTag > 0 { message += "; \(foundByTag) of them were found by the run tag after their CreateItem answer was lost" }
            message += ", and a sweep of \(attempted.count) mailbox(es) for the run tag finds nothing left"
            verdict = .passed(message, exchanges, facts: facts)
        }
        return verdict
    }
}
