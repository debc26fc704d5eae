extension CheckRegistry {
    /// Impersonation: in scope it works for every configured mailbox; out of scope and for a
    /// nonexistent address it is refused (contrasted with the in-scope case).
    static let impersonationFamily: [Check] = [
        Check(.init(id: CheckCatalog.impersonationGetFolder, title: "Impersonated GetFolder(Inbox) by primary SMTP address",
                    requirement: "The service account can act as each configured mailbox through ExchangeImpersonation (with each ConnectingSID form the profile lists, PrimarySmtpAddress by default) and read its Inbox: NoError with the Inbox folder.",
                    dependsOn: [CheckCatalog.serviceAccountAuth], perMailbox: true,
                    enforces: ["ews.connecting_sid", "ews.required_headers"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            let (verdict, unread) = await suite.impersonatedGetFolder(mailbox)
            suite.state.setUnreadBefore(unread, mailbox: mailbox)
            return verdict
        },
        Check(.init(id: CheckCatalog.requiredHeadersWithheld, title: "Without a required header, refused or answered right, never misrouted",
                    requirement: "For each header the profile declares required, an impersonated GetFolder(Inbox) of the first mailbox sent without that header (and with everything else) is either refused (an HTTP error, a SOAP fault or an EWS error code: the header is enforced) or answered with the same Inbox as with it (not enforced, stated in the facts); never with another folder or a page that is not EWS.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], enforces: ["ews.required_headers"], level: .recommended,
                    appliesWhen: "the profile declares required headers"),
              applies: { !($0.profile?.manifest.ews.requiredHeaders.isEmpty ?? true) }) { suite, _ in
            guard let mailbox = suite.target.mailboxes.first else { return .skipped("no mailbox to impersonate") }
            return await suite.requiredHeadersWithheld(mailbox)
        },
        Check(.init(id: CheckCatalog.outOfScopeDenied, title: "Out-of-scope mailbox is denied",
                    requirement: "Impersonating a mailbox outside the service account's scope is refused the way Exchange refuses it, ErrorImpersonateUserDenied as an HTTP 500 SOAP fault (with an app-only OAuth token, also Exchange Online's bare HTTP 403 for a mailbox its Application Access Policy excludes), while in-scope impersonation works (the scope is enforced); the expected form and its source are in the facts.",
                    dependsOn: [CheckCatalog.serviceAccountAuth, CheckCatalog.impersonationGetFolder], mustFail: true)) { suite, _ in
            await suite.outOfScope()
        },
        Check(.init(id: CheckCatalog.nonexistentRejected, title: "Nonexistent mailbox is rejected",
                    requirement: "Impersonating an address with no mailbox is refused with ErrorNonExistentMailbox, as an HTTP 500 SOAP fault or an HTTP 200 response message (Exchange has answered both ways), while in-scope impersonation works; the expected form and its source are in the facts.",
                    dependsOn: [CheckCatalog.serviceAccountAuth, CheckCatalog.impersonationGetFolder], mustFail: true)) { suite, _ in
            await suite.nonexistent()
        },
    ]
}
