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
    /// A genuinely expired token for `auth.must-fail.expired-token` (from a simulator); nil forges one.
    var expiredToken: Secret? = nil

    static let voicemailClass = "IPM.Note.Microsoft.Voicemail.UM.CA"

    /// Runs one check: skips it when a dependency did not pass or the run was interrupted.
    func check(_ id: CheckID, mailbox: String? = nil, _ body: () async -> Verdict) async {
        guard let definition = CheckCatalog.definition(id) else { return }
        let clock = ContinuousClock.now
        var verdict: Verdict?
        if Task.isCancelled {
            verdict = .skipped("run interrupted before this check started")
        } else {
            for dependency in definition.dependsOn {
                let depMailbox = CheckCatalog.definition(dependency)?.perMailbox == true ? mailbox : nil
                let outcome = await recorder.outcome(of: dependency, mailbox: depMailbox)
                if outcome == nil && CheckCatalog.conditional.contains(dependency) { continue }
                if outcome?.satisfiesDependents != true {
                    let name = depMailbox.map { "\(dependency)[\($0)]" } ?? dependency.rawValue
                    var reason = "depends on \(name), which \(outcome.map(Recorder.phrase) ?? "did not run")"
                    // Name the check that really failed, not only the skipped link before this one.
                    if outcome == .skipped, let root = await recorder.rootCause(of: dependency, mailbox: depMailbox) {
                        reason += " because \(root)"
                    }
                    verdict = .skipped(reason)
                    break
                }
            }
        }
        var final: Verdict
        if let verdict { final = verdict } else { final = classify(id, await body()) }
        let elapsed = ContinuousClock.now - clock
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        await recorder.record(definition, mailbox: mailbox, verdict: final, duration: seconds * 1000)
    }

    /// Lets the profile's `classify_response` hook judge a failed or errored answer.
    func classify(_ id: CheckID, _ verdict: Verdict) -> Verdict {
        guard verdict.outcome == .failed || verdict.outcome == .errored, let classifier = profile?.responseClassifier,
              let last = verdict.exchanges.last else { return verdict }
        func between(_ open: String, _ close: String, in text: String) -> String? {
            guard let a = text.range(of: open), let b = text.range(of: close, range: a.upperBound..<text.endIndex) else { return nil }
            return String(text[a.upperBound..<b.lowerBound]).split(separator: ":").last.map(String.init)
        }
        let body = last.responseBody
        let input = ClassifyResponseInput(
            checkID: id.rawValue, httpStatus: last.legs.last?.status ?? 0,
            responseCode: between("ResponseCode>", "</", in: body), faultCode: between("<faultcode", "</faultcode>", in: body).map { $0.components(separatedBy: ">").last ?? $0 },
            bodyExcerpt: String(body.prefix(4096)))
        guard let output = classifier(input), let outcome = Outcome(rawValue: output.outcome.rawValue) else { return verdict }
        var classified = verdict
        classified.outcome = outcome
        classified.message = "\(output.message) (classified by the \(profile?.id ?? "") profile; the harness saw: \(verdict.message))"
        return classified
    }

    func runChecks() async {
        await discoveryChecks()
        await check(CheckCatalog.endpointReachable) { await reachability() }
        await check(CheckCatalog.serviceAccountAuth) { await authentication() }
        // Only a profile says which schemes must be refused; without one the check does not apply.
        if profile?.manifest.auth.refusedSchemes.isEmpty == false {
            await check(CheckCatalog.refusedSchemes) { await refusedSchemes() }
        }
        await runAuthChecks()
        await check(CheckCatalog.serverVersion) { await serverVersion() }
        await check(CheckCatalog.outOfScopeDenied) { await outOfScope() }
        await check(CheckCatalog.nonexistentRejected) { await nonexistent() }
        await check(CheckCatalog.requestVersionProduct) { await requestVersion(.exchange2016) }
        // Mailboxes run side by side, each through its own chain of checks.
        let width = max(1, target.concurrency)
        await withTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                guard next < target.mailboxes.count else { return }
                let mailbox = target.mailboxes[next]
                next += 1
                group.addTask { await mailboxChecks(mailbox) }
            }
            for _ in 0..<width { add() }
            while await group.next() != nil { add() }
        }
    }

    func mailboxChecks(_ mailbox: String) async {
        var unreadBefore: Int?
        await check(CheckCatalog.impersonationGetFolder, mailbox: mailbox) {
            let (verdict, unread) = await impersonatedGetFolder(mailbox)
            unreadBefore = unread
            return verdict
        }
        var delivered: DeliveredVoicemail?
        await check(CheckCatalog.voicemailDeliver, mailbox: mailbox) {
            let (verdict, item) = await deliverVoicemail(mailbox)
            delivered = item
            return verdict
        }
        await check(CheckCatalog.voicemailMessageWaiting, mailbox: mailbox) { await messageWaiting(mailbox, before: unreadBefore) }
        await check(CheckCatalog.voicemailReadback, mailbox: mailbox) {
            guard let delivered else { return .errored("no delivered item to read back") }
            return await readBack(delivered)
        }
        await check(CheckCatalog.voicemailDelete, mailbox: mailbox) {
            guard let delivered else { return .errored("no delivered item to delete") }
            return await delete(delivered)
        }
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
            return .passed("EWS accepted \(scheme) credentials of \(target.serviceAccount.username) (\(call.summary))", [call.exchange],
                           facts: ["scheme": scheme])
        case .httpError(401, let reason):
            return .failed("the server refused the service account's \(scheme) credentials: HTTP 401 \(reason)", [call.exchange])
        case .httpError(_, _):
            return .failed("authenticated request was answered \(call.summary)", [call.exchange])
        case .malformed:
            return .failed("the server answered, but not with EWS: \(call.summary)", [call.exchange])
        case .transportError(let e):
            return .errored("no answer to the authenticated request: \(e)", [call.exchange])
        }
    }

    /// Each scheme the profile rules out gets a request with made-up credentials (never the service
    /// account's: no lockout risk), which must be answered 401 or 403.
    func refusedSchemes() async -> Verdict {
        let refused = (profile?.manifest.auth.refusedSchemes ?? []).filter { $0 == "basic" || $0 == "ntlm" || $0 == "digest" }
        guard !refused.isEmpty else {
            return .skipped("the \(profile?.id ?? "") profile rules out no scheme this harness can try yet (basic, ntlm, digest)")
        }
        var exchanges: [HTTPExchange?] = []
        var problems: [String] = []
        var facts: [String: String] = [:]
        for scheme in refused {
            let user = "ewscheck-refusal-probe@invalid.example"
            let password = Secret(UUID().uuidString)
            let credentials: HTTPCredentials = scheme == "basic" ? .basic(user: user, password: password)
                : scheme == "digest" ? .digest(user: user, password: password) : .ntlm(user: user, password: password)
            let call = await probeCall(credentials: credentials)
            exchanges.append(call.exchange)
            facts["\(scheme)_status"] = call.httpStatus.map(String.init) ?? "none"
            switch call.outcome {
            case .httpError(401, _), .httpError(403, _): continue
            case .transportError(let e): return .errored("\(scheme): no answer: \(e)", exchanges)
            default: problems.append("\(scheme) was not refused (\(call.summary))")
            }
        }
        if problems.isEmpty {
            return .passed("\(refused.joined(separator: " and ")) refused with 401/403 as the profile says", exchanges, facts: facts)
        }
        return .failed(problems.joined(separator: "; "), exchanges, facts: facts)
    }

    func serverVersion() async -> Verdict {
        var exchanges: [HTTPExchange?] = []
        if await recorder.serverVersion == nil, let mailbox = target.mailboxes.first {
            // App-only tokens (Exchange Online) get a fault without the header until a request
            // impersonates someone: ask again as the first mailbox.
            let call = await client.perform(GetFolder(folders: [.distinguished("msgfolderroot")], shape: .idOnly),
                                            impersonating: .primarySmtpAddress(mailbox))
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

    /// The verdict, and the Inbox unread count when the provider gives one.
    func impersonatedGetFolder(_ mailbox: String) async -> (Verdict, Int?) {
        let call = await client.perform(GetFolder(folders: [.inbox]), impersonating: .primarySmtpAddress(mailbox))
        await recorder.setServerVersion(call.serverVersion)
        if call.messages.count == 1, let m = call.messages.first, m.responseClass == .success, let folder = m.payload {
            var facts = ["folder_id_present": "true"]
            if let total = folder.totalCount { facts["total_count"] = String(total) }
            if let unread = folder.unreadCount { facts["unread_count"] = String(unread) }
            return (.passed("read \(mailbox)'s \(folder.displayName ?? "Inbox") as the service account (\(folder.totalCount.map { "\($0) items" } ?? "count not given"))",
                            [call.exchange], facts: facts), folder.unreadCount)
        }
        return (failure(of: call, doing: "impersonated GetFolder(Inbox) of \(mailbox)"), nil)
    }

    /// The Inbox unread count rises by one with a new voicemail (what message-waiting lamps read).
    func messageWaiting(_ mailbox: String, before: Int?) async -> Verdict {
        let call = await client.perform(GetFolder(folders: [.inbox]), impersonating: .primarySmtpAddress(mailbox))
        guard let m = call.messages.first, m.responseClass == .success, let folder = m.payload else {
            return failure(of: call, doing: "GetFolder(Inbox) after the voicemail")
        }
        guard let after = folder.unreadCount, let before else {
            return .failed("GetFolder(Inbox) of \(mailbox) gives no UnreadCount, so a message-waiting lamp cannot be driven from it", [call.exchange])
        }
        guard after == before + 1 else {
            return .failed("the Inbox unread count went from \(before) to \(after) after one new voicemail, not to \(before + 1)", [call.exchange],
                           facts: ["unread_before": String(before), "unread_after": String(after)])
        }
        return .passed("the Inbox unread count went from \(before) to \(after) with the new voicemail", [call.exchange],
                       facts: ["unread_before": String(before), "unread_after": String(after)])
    }

    /// The provider accepts a request version the product sends.
    func requestVersion(_ version: ExchangeVersion) async -> Verdict {
        var settings = client.configuration
        settings.requestVersion = version
        let probe = EWSClient(transport: transport, configuration: settings)
        let call = await probe.perform(GetFolder(folders: [.distinguished("msgfolderroot")], shape: .idOnly))
        switch call.outcome {
        case .fault(let fault) where ["ErrorInvalidServerVersion", "ErrorIncorrectSchemaVersion", "ErrorInvalidSchemaVersionForMailboxVersion"].contains(fault.code):
            return .failed("RequestServerVersion \(version) is refused with \(fault.code): \(fault.faultString)", [call.exchange],
                           facts: ["response_code": fault.code])
        case .responses, .fault:
            return .passed("RequestServerVersion \(version) is accepted (\(call.summary))", [call.exchange])
        case .transportError(let e):
            return .errored("no answer: \(e)", [call.exchange])
        default:
            return .failed("the request with RequestServerVersion \(version) was answered \(call.summary)", [call.exchange])
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

    /// A must-fail check: the call has to be refused, with a specific code.
    private func expectRefusal(_ mailbox: String, code: String, breach: String) async -> Verdict {
        let call = await client.perform(GetFolder(folders: [.inbox]), impersonating: .primarySmtpAddress(mailbox))
        await recorder.setServerVersion(call.serverVersion)
        var got: String?
        switch call.outcome {
        case .fault(let fault):
            got = fault.code
        case .responses(let messages):
            if let m = messages.first, m.responseClass != .success { got = m.responseCode }
            else if !messages.isEmpty { return .failed(breach, [call.exchange]) }
        case .httpError(let status, _):
            return .failed("refused with HTTP \(status) instead of the EWS error \(code): \(call.summary)", [call.exchange])
        case .malformed:
            return .failed("answered with something that is not EWS: \(call.summary)", [call.exchange])
        case .transportError(let e):
            return .errored("no answer: \(e)", [call.exchange])
        }
        guard let got else { return .errored("the response had no response message", [call.exchange]) }
        if got == code {
            return .passed("refused with \(code) as required (HTTP \(call.httpStatus ?? 0))", [call.exchange], facts: ["response_code": got])
        }
        return .failed("refused, but with \(got) instead of \(code)", [call.exchange], facts: ["response_code": got])
    }

    /// Describes a call that did not do what a positive check needed.
    func failure<P>(of call: EWSCall<P>, doing what: String) -> Verdict {
        switch call.outcome {
        case .transportError(let e): return .errored("\(what): no answer: \(e)", [call.exchange])
        default: return .failed("\(what) failed: \(call.summary)", [call.exchange])
        }
    }

    // MARK: cleanup

    /// Removes every item still in the ledger, sweeps each mailbox's Inbox for the run's tag (items
    /// whose CreateItem answer was lost), then records whether anything is left.
    func cleanUp() async {
        let outstanding = ledger.outstanding
        var exchanges: [HTTPExchange] = []
        for (mailbox, entries) in Dictionary(grouping: outstanding, by: \.mailbox) {
            let ids = entries.map { ItemIdentifier(id: $0.itemID) }
            let call = await client.perform(DeleteItem(items: ids), impersonating: .primarySmtpAddress(mailbox))
            if let x = call.exchange { exchanges.append(x) }
            // A provider's NoError is not proof: only ErrorItemNotFound on a fresh GetItem is.
            let check = await client.perform(GetItem(items: ids, shape: .idOnly), impersonating: .primarySmtpAddress(mailbox))
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
            let result = await sweep.sweep(mailbox: mailbox)
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
        guard let definition = CheckCatalog.definition(CheckCatalog.cleanupComplete) else { return }
        var facts = ["created": String(all.count), "attempted": String(ledger.attempts.count),
                     "found_by_tag": String(foundByTag), "unanswered_creates": String(unanswered)]
        if !sweepProblems.isEmpty { facts["sweep_problems"] = sweepProblems.joined(separator: "; ") }
        if let journalError = ledger.journalError { facts["ledger_file"] = journalError }
        let verdict: Verdict
        if !left.isEmpty {
            verdict = .failed("\(left.count) of \(all.count) items created could not be removed: "
                              + left.map { "\($0.mailbox) …\($0.itemID.suffix(12))" }.joined(separator: ", ") + " (full ids in report.json cleanup.leftover)",
                              exchanges, facts: facts)
        } else if unanswered > foundByTag && !sweepProblems.isEmpty {
            verdict = .failed("\(unanswered) CreateItem request(s) got no usable answer and the sweep for the run tag failed "
                              + "(\(sweepProblems.first ?? "")): cannot prove nothing is left", exchanges, facts: facts)
        } else if ledger.attempts.isEmpty {
            verdict = .passed("the suite created no items, so none is left", exchanges, facts: facts)
        } else {
            let late = outstanding.count
            var message = "all \(all.count) items created were removed\(late > 0 ? " (\(late) by the final cleanup)" : "")"
            if foundByTag > 0 { message += "; \(foundByTag) of them were found by the run tag after their CreateItem answer was lost" }
            message += ", and a sweep of \(attempted.count) mailbox(es) for the run tag finds nothing left"
            verdict = .passed(message, exchanges, facts: facts)
        }
        await recorder.record(definition, mailbox: nil, verdict: verdict, duration: 0)
    }
}
