import EWSProtocol
import EWSTransport
import Foundation

/// Impersonation: in scope with every ConnectingSID form the profile lists; refused out of scope and for a nonexistent address.
extension CheckContext {
    /// How the run impersonates a mailbox: the first ConnectingSID form the profile lists that an
    /// address can give (PrimarySmtpAddress without a profile).
    func connectingSID(_ mailbox: String) -> ConnectingSID {
        Self.connectingSIDs(mailbox, forms: profile?.manifest.ews.connectingSIDs ?? [], entry: target.entry(of: mailbox)).first ?? .primarySmtpAddress(mailbox)
    }

    /// Every ConnectingSID form of `forms` a mailbox can be sent as: the UPN and SID the target
    /// gives for it (`entry`); without a UPN the address stands for it, a SID cannot be made from one.
    static func connectingSIDs(_ mailbox: String, forms: [String], entry: MailboxList.Entry? = nil) -> [ConnectingSID] {
        forms.compactMap { name in
            guard let form = ImpersonationForm(rawValue: name) else { return nil }
            if form == .principalName, entry?.upn == nil { return .principalName(mailbox) }
            return form.connectingSID(for: mailbox, entry: entry)
        }
    }

    /// The verdict, and the Inbox unread count when the provider gives one. Each ConnectingSID form
    /// the profile lists is tried; every one must read the Inbox.
    func impersonatedGetFolder(_ mailbox: String) async -> (Verdict, Int?) {
        let forms = profile?.manifest.ews.connectingSIDs ?? []
        var sids = Self.connectingSIDs(mailbox, forms: forms, entry: target.entry(of: mailbox))
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
                return (.errored("\(profile?.phrase ?? "the provider profile") requires \(missing.joined(separator: ", ")), but the request went without it "
                                 + "(no value in ews.extra_headers, and no adjust_request hook set it)", exchanges), nil)
            }
        }
        facts["connecting_sid"] = read.joined(separator: ", ")
        if forms.contains("sid"), !sids.contains(where: { $0.elementName == "SID" }) { facts["sid_form"] = "not tried: the target gives no SID for \(mailbox)" }
        let count = facts["total_count"].map { "\($0) items" } ?? "count not given"
        return (.passed("read \(mailbox)'s Inbox as the service account by \(read.joined(separator: " and ")) (\(count))", exchanges, facts: facts), unread)
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
}
