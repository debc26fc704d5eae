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

    /// Impersonating a mailbox outside the service account's scope is refused the way Exchange
    /// refuses it: ErrorImpersonateUserDenied as an HTTP 500 fault; with an app-only OAuth token
    /// also Exchange Online's bare HTTP 403 for a mailbox its Application Access Policy excludes.
    func outOfScope() async -> Verdict {
        guard let mailbox = target.outOfScopeMailbox else {
            return .skipped("no negative_controls.out_of_scope_mailbox in the target: the scope cannot be tested")
        }
        let fault = "observed: ErrorImpersonateUserDenied as an HTTP 500 fault (ews-protocol.md §4.2, ews-managed-api #223)"
        let expected: RefusalForm = target.serviceAccount.auth == .oauth2
            ? .init(code: "ErrorImpersonateUserDenied", form: .fault,
                    evidence: fault + "; with an app-only token Exchange Online answers a mailbox its Application Access Policy (RBAC for Applications) excludes with a bare HTTP 403"
                        + " (observed: ews-protocol.md §4.2, David-Barrett-MS/PowerShell-EWS-Scripts #62; https://learn.microsoft.com/en-us/graph/auth-limit-mailbox-access)",
                    bareStatus: 403)
            : .init(code: "ErrorImpersonateUserDenied", form: .fault, evidence: fault)
        return await expectImpersonationRefusal(
            connectingSID(mailbox), through: client, expected: expected,
            breach: "the service account read \(mailbox)'s Inbox although it must be out of scope: impersonation scope is not enforced",
            facts: ["mailbox": mailbox])
    }

    /// Impersonating an address with no mailbox is refused with ErrorNonExistentMailbox, which
    /// Exchange has been seen to send both as a fault and as a response message.
    func nonexistent() async -> Verdict {
        guard let mailbox = target.nonexistentMailbox else {
            return .skipped("no negative_controls.nonexistent_mailbox in the target")
        }
        return await expectImpersonationRefusal(
            connectingSID(mailbox), through: client,
            expected: .init(code: "ErrorNonExistentMailbox", form: .either,
                            evidence: "observed both ways: an HTTP 500 fault (exchangelib's test_soap_error) and a response message \"The SMTP address has no mailbox associated with it.\" (ews-protocol.md §4.2; exchangelib #968, CSS-Exchange #1573)"),
            breach: "impersonating \(mailbox), which must not exist, succeeded",
            facts: ["mailbox": mailbox])
    }
}
