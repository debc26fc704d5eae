extension CheckCatalog {
    static let connectingSIDPrimarySmtpAddress = CheckID("impersonation.connecting-sid.primary-smtp-address")
    static let connectingSIDSmtpAddress = CheckID("impersonation.connecting-sid.smtp-address")
    static let connectingSIDPrincipalName = CheckID("impersonation.connecting-sid.principal-name")
    static let connectingSIDSID = CheckID("impersonation.connecting-sid.sid")
    static let malformedSIDRejected = CheckID("impersonation.malformed-sid.rejected")
    static let unprivilegedAccountDenied = CheckID("impersonation.unprivileged-account.denied")
    static let delegateAccessDenied = CheckID("impersonation.delegate-access.denied")

    /// The matrix check of each ConnectingSID form.
    static func connectingSID(_ form: ImpersonationForm) -> CheckID {
        switch form {
        case .primarySmtpAddress: return connectingSIDPrimarySmtpAddress
        case .smtpAddress: return connectingSIDSmtpAddress
        case .principalName: return connectingSIDPrincipalName
        case .sid: return connectingSIDSID
        }
    }
}

extension CheckRegistry {
    /// The impersonation matrix: every ConnectingSID form, with and without X-AnchorMailbox (the
    /// forms the profile's `connecting_sid` names are required in the run, the others informational);
    /// and the refusals that show the access rests on the impersonation right.
    static let impersonationMatrixFamily: [Check] = ImpersonationForm.allCases.map(formCheck) + [
        Check(.init(id: CheckCatalog.malformedSIDRejected, title: "A malformed SID is rejected",
                    requirement: "Impersonating by a SID that is not a valid SID string (a configured mailbox's SID with a non-numeric sub-authority) is refused with ErrorInvalidSid as an HTTP 500 SOAP fault (Exchange's form is inferred, and the facts say so), while impersonation by the well-formed SID works.",
                    dependsOn: [CheckCatalog.serviceAccountAuth, CheckCatalog.connectingSIDSID], mustFail: true)) { suite, _ in
            await suite.malformedSID()
        },
        Check(.init(id: CheckCatalog.unprivilegedAccountDenied, title: "An account without the impersonation right is denied",
                    requirement: "The target's negative_controls.unprivileged_account (signing in like the service account, with its own secret) impersonating the first mailbox is refused with ErrorImpersonateUserDenied as an HTTP 500 SOAP fault, while the service account's impersonation works.",
                    dependsOn: [CheckCatalog.serviceAccountAuth, CheckCatalog.impersonationGetFolder], mustFail: true,
                    appliesWhen: "the service account signs in with a password (basic, ntlm, digest)"),
              applies: { [.basic, .ntlm, .digest].contains($0.target.serviceAccount.auth) }) { suite, _ in
            await suite.unprivilegedDenied()
        },
        Check(.init(id: CheckCatalog.delegateAccessDenied, title: "Delegate access without impersonation is denied",
                    requirement: "The service account opening the first mailbox's Inbox without impersonation (DistinguishedFolderId with Mailbox) is refused with ErrorAccessDenied (a response message, form inferred; with an app-only OAuth token, the ErrorInvalidExchangeImpersonationHeaderData fault), while impersonation works: the product's access rests on impersonation, not on mailbox permissions.",
                    dependsOn: [CheckCatalog.serviceAccountAuth, CheckCatalog.impersonationGetFolder], mustFail: true)) { suite, _ in
            await suite.delegateAccessDenied()
        },
    ]

    private static func formCheck(_ form: ImpersonationForm) -> Check {
        let source: String
        switch form {
        case .primarySmtpAddress, .smtpAddress: source = "the mailbox's primary address"
        case .principalName: source = "the mailbox's UPN from the target (`upn:` or the mailboxes_file column; skipped without one)"
        case .sid: source = "the mailbox's SID from the target (`sid:` or the mailboxes_file column; skipped without one)"
        }
        return Check(.init(id: CheckCatalog.connectingSID(form), title: "Impersonation by ConnectingSID \(form.elementName)",
                           requirement: "Impersonated GetFolder(Inbox) by \(form.elementName) (\(source)) answers NoError with the Inbox when X-AnchorMailbox is sent; without X-AnchorMailbox the answer is recorded, and another folder than the Inbox fails. Required when the profile's connecting_sid names \(form.rawValue), informational otherwise\(form == .primarySmtpAddress ? " (a run without a profile needs it)" : "").",
                           dependsOn: [CheckCatalog.serviceAccountAuth], perMailbox: true, tags: ["connecting-sid"],
                           enforces: ["ews.connecting_sid"], level: form == .primarySmtpAddress ? .required : .informational),
                     runLevel: { $0.level(of: form) }) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.impersonationForm(form, mailbox: mailbox)
        }
    }
}
