import EWSProtocol
import EWSTransport
import Foundation

/// The impersonation matrix: each ConnectingSID form with and without X-AnchorMailbox, and the
/// refusals that show access rests on the impersonation right (malformed SID, an account without
/// the right, delegate access).
extension CheckContext {
    /// The ConnectingSID forms the profile needs (PrimarySmtpAddress without a profile).
    var requiredImpersonationForms: [String] { profile?.manifest.ews.connectingSIDs ?? [ImpersonationForm.primarySmtpAddress.rawValue] }

    /// How much a form's check weighs in this run: required where the profile names the form.
    func level(of form: ImpersonationForm) -> CheckDefinition.Level {
        requiredImpersonationForms.contains(form.rawValue) ? .required : .informational
    }

    /// The run's client without `X-AnchorMailbox` (also when a profile hook would add it).
    private var clientWithoutAnchor: EWSClient {
        var configuration = client.configuration
        configuration.sendAnchorMailbox = false
        let adjust = configuration.requestAdjuster
        configuration.requestAdjuster = { request, operation, impersonated in
            await adjust?(&request, operation, impersonated)
            request.headers.removeAll { $0.name.caseInsensitiveCompare("X-AnchorMailbox") == .orderedSame }
        }
        return EWSClient(transport: client.transport, configuration: configuration)
    }

    /// One cell of the matrix: GetFolder(Inbox) of `mailbox` impersonated by `form`, with
    /// X-AnchorMailbox and without. With it, the Inbox must come back; without it, a refusal is
    /// recorded (Exchange warns of 500/503 answers), but another folder than the Inbox is a failure.
    func impersonationForm(_ form: ImpersonationForm, mailbox: String) async -> Verdict {
        guard let sid = form.connectingSID(for: mailbox, entry: target.entry(of: mailbox)) else {
            return .skipped(form.missingData(mailbox))
        }
        var facts = ["connecting_sid": sid.elementName, "identifier": sid.value, "anchor_mailbox": sid.anchorMailbox,
                     "level": level(of: form) == .required ? "required: the profile's connecting_sid names \(form.rawValue)"
                         : "informational: the profile's connecting_sid (\(requiredImpersonationForms.joined(separator: ", "))) does not name \(form.rawValue)"]
        let anchored = await client.perform(GetFolder(folders: [.inbox]), impersonating: sid)
        await recorder.setServerVersion(anchored.serverVersion)
        facts["with_anchor"] = Self.cell(anchored)
        let unanchored = await clientWithoutAnchor.perform(GetFolder(folders: [.inbox]), impersonating: sid)
        facts["without_anchor"] = Self.cell(unanchored)
        let exchanges = [anchored.exchange, unanchored.exchange]
        guard let inbox = Self.inbox(anchored) else {
            var failed = failure(of: anchored, doing: "impersonated GetFolder(Inbox) of \(mailbox) by \(sid.elementName) (\(sid.value)) with X-AnchorMailbox",
                                 facts: facts)
            failed.exchanges = exchanges.compactMap { $0 }
            return failed
        }
        if let other = Self.inbox(unanchored), other.id != inbox.id {
            return .failed("without X-AnchorMailbox, GetFolder(Inbox) impersonating \(mailbox) by \(sid.elementName) answered another folder (\(other.displayName ?? other.id)) "
                           + "than with it: the request was routed to another mailbox", exchanges, facts: facts)
        }
        let without = Self.inbox(unanchored) != nil ? "and without it" : "; without it: \(facts["without_anchor"] ?? "no answer") (recorded)"
        return .passed("read \(mailbox)'s Inbox by \(sid.elementName) with X-AnchorMailbox \(without)", exchanges, facts: facts)
    }

    private static func inbox(_ call: EWSCall<FolderInfo>) -> FolderInfo? {
        guard case .responses(let messages) = call.outcome, messages.count == 1, let m = messages.first,
              m.responseClass == .success, m.responseCode == "NoError" else { return nil }
        return m.payload
    }

    /// One answer of the matrix in a few words (`NoError (HTTP 200)`, `ErrorNonExistentMailbox fault (HTTP 500)`).
    static func cell(_ call: EWSCall<FolderInfo>) -> String {
        let status = call.httpStatus.map { " (HTTP \($0))" } ?? ""
        switch call.outcome {
        case .responses(let messages): return (messages.first?.responseCode ?? "no response code") + status
        case .fault(let fault): return "\(fault.responseCode ?? fault.faultCode) fault\(status)"
        case .httpError(let code, _): return "HTTP \(code)"
        case .malformed: return "not EWS\(status)"
        case .transportError(let e): return "no answer: \(e)"
        }
    }

    // MARK: must-fail

    /// A malformed SID is refused: ErrorInvalidSid (the form is inferred, see the facts).
    func malformedSID() async -> Verdict {
        guard let mailbox = target.mailboxes.first(where: { target.entry(of: $0)?.sid != nil }), let sid = target.entry(of: mailbox)?.sid else {
            return .skipped("the target gives no SID for any mailbox, so there is no well-formed SID to contrast with")
        }
        // A real mailbox's SID with a sub-authority that is not a number: a lax parser that stops
        // at the first bad component would still find the mailbox.
        let malformed = sid + "-X1"
        return await expectImpersonationRefusal(
            .sid(malformed), through: client,
            expected: .init(code: "ErrorInvalidSid", form: .fault,
                            evidence: "inferred: ews-protocol.md §4 has no capture of this refusal (ErrorInvalidSid is only in the schema's ResponseCodeType); taken as a header-stage fault like ErrorImpersonateUserDenied"),
            breach: "the malformed SID \(malformed) was accepted: the provider read \(mailbox)'s Inbox (the SID is not validated)",
            facts: ["malformed_sid": malformed, "based_on": "\(mailbox)'s SID"])
    }

    /// An account without the impersonation right is refused with ErrorImpersonateUserDenied.
    func unprivilegedDenied() async -> Verdict {
        guard let account = target.unprivilegedAccount else {
            return .skipped("no negative_controls.unprivileged_account in the target: an account without the impersonation right cannot be tried")
        }
        guard let mailbox = target.mailboxes.first else { return .errored("no mailbox") }
        let credentials: HTTPCredentials
        switch target.unprivilegedCredentials() {
        case .success(let c): credentials = c
        case .failure(let e): return .skipped("negative_controls.unprivileged_account cannot be used: \(e.message)")
        }
        let probe = probeTransport(credentials: credentials)
        defer { probe.shutdown() }
        var settings = client.configuration
        settings.requestAdjuster = nil
        return await expectImpersonationRefusal(
            connectingSID(mailbox), through: EWSClient(transport: probe, configuration: settings),
            expected: .init(code: "ErrorImpersonateUserDenied", form: .fault, evidence: "observed: HTTP 500 fault (ews-protocol.md §4.1, ews-managed-api #223)"),
            breach: "\(account.username), which holds no impersonation right, read \(mailbox)'s Inbox by impersonation: the right is not checked",
            facts: ["account": account.username])
    }

    /// The service account opening another mailbox's Inbox without impersonation (delegate
    /// access, DistinguishedFolderId with Mailbox) is refused.
    func delegateAccessDenied() async -> Verdict {
        guard let mailbox = target.mailboxes.first else { return .errored("no mailbox") }
        // An app-only token without the header is refused before any folder is opened (observed on Exchange Online).
        let expected: RefusalForm = target.serviceAccount.auth == .oauth2
            ? .init(code: "ErrorInvalidExchangeImpersonationHeaderData", form: .fault,
                    evidence: "observed: HTTP 500 fault \"ExchangeImpersonation SOAP header must be present for this type of OAuth token.\" (ews-protocol.md §4.1, ews-managed-api #245)")
            : .init(code: "ErrorAccessDenied", form: .responseMessage,
                    evidence: "inferred: ews-protocol.md §4.2 gives ErrorAccessDenied as a ResponseMessage (HTTP 200) without a capture")
        return await expectRefusal(
            client.perform(GetFolder(folders: [.distinguished("inbox", mailbox: mailbox)])), expected: expected,
            breach: "the service account opened \(mailbox)'s Inbox without impersonation (delegate access is granted): the product's access does not rest on impersonation alone",
            facts: ["mailbox": mailbox, "request": "GetFolder(DistinguishedFolderId inbox, Mailbox \(mailbox)) without ExchangeImpersonation"])
    }
}
