extension CheckRegistry {
    /// Authentication: the token, the service account, the schemes a profile promises or rules
    /// out, and the opt-in must-fail checks (a wrong password, token misuse).
    static let authFamily: [Check] = [
        Check(.init(id: CheckCatalog.oauthToken, title: "OAuth access token obtained",
                    requirement: "The service account's client credentials obtain an app-only access token for the profile's audience (the scope's resource; Exchange Online's without a profile) carrying every role the profile requires (full_access_as_app without a profile).",
                    tags: ["oauth"], enforces: ["auth.oauth.scope_template", "auth.oauth.token_endpoint_template", "auth.oauth.required_roles"],
                    appliesWhen: "the target uses auth: oauth2"),
              applies: { $0.target.serviceAccount.auth == .oauth2 }) { suite, _ in
            suite.state.oauth?.verdict ?? .errored("no token was requested")
        },
        Check(.init(id: CheckCatalog.serviceAccountAuth, title: "Service account authenticates",
                    requirement: "The service account's credentials are accepted with the configured scheme: any EWS-level answer after authentication (a response message or an EWS fault such as ErrorMissingEmailAddress) proves them.",
                    dependsOn: [CheckCatalog.endpointReachable, CheckCatalog.oauthToken], enforces: ["auth.schemes"])) { suite, _ in
            await suite.authentication()
        },
        Check(.init(id: CheckCatalog.refusedSchemes, title: "Schemes the profile rules out are refused",
                    requirement: "No authentication scheme the provider profile rules out (Basic and NTLM in Exchange Online) is offered in the challenge to an unauthenticated EWS POST, and the run did not authenticate with one.",
                    dependsOn: [CheckCatalog.endpointReachable], mustFail: true, enforces: ["auth.refused_schemes"],
                    appliesWhen: "the profile lists auth.refused_schemes"),
              applies: { $0.profile?.manifest.auth.refusedSchemes.isEmpty == false }) { suite, _ in
            await suite.refusedSchemes()
        },
        Check(.init(id: AuthChecks.schemesOffered, title: "Schemes the profile expects are offered",
                    requirement: "An unauthenticated EWS POST is answered 401 with a WWW-Authenticate challenge for every scheme the provider profile says it accepts (oauth2-client-credentials shows as Bearer).",
                    dependsOn: [CheckCatalog.endpointReachable], enforces: ["auth.schemes"], level: .recommended,
                    appliesWhen: "a profile lists auth.schemes"),
              applies: { $0.profile?.manifest.auth.schemes.isEmpty == false }) { suite, _ in
            await suite.schemesOffered(expected: suite.profile?.manifest.auth.schemes ?? [])
        },
        Check(.init(id: AuthChecks.wrongPassword, title: "A wrong password is refused with 401",
                    requirement: "The service account with a wrong password is answered HTTP 401 (not 500, not 200). Tried once per run, and only when must-fail auth checks are asked for, so it cannot lock the account out.",
                    dependsOn: [CheckCatalog.serviceAccountAuth], mustFail: true,
                    appliesWhen: "--must-fail-auth with basic, ntlm or digest"),
              applies: { $0.target.mustFailAuth && [.basic, .ntlm, .digest].contains($0.target.serviceAccount.auth) }) { suite, _ in
            await suite.wrongPassword()
        },
        Check(.init(id: AuthChecks.appOnlyWithoutImpersonation, title: "An app-only token without impersonation is refused",
                    requirement: "An EWS request with an app-only token and no ExchangeImpersonation header gets the ErrorInvalidExchangeImpersonationHeaderData fault (\"… must be present for this type of OAuth token.\").",
                    dependsOn: [CheckCatalog.oauthToken, CheckCatalog.impersonationGetFolder], mustFail: true, tags: ["oauth"],
                    appliesWhen: "--must-fail-auth with oauth2"),
              applies: { $0.target.mustFailAuth && $0.target.serviceAccount.auth == .oauth2 }) { suite, _ in
            await suite.appOnlyWithoutImpersonation()
        },
        Check(.init(id: AuthChecks.expiredToken, title: "An expired token is refused with 401 invalid_token",
                    requirement: "An EWS request with an expired access token is answered HTTP 401 with WWW-Authenticate: Bearer … error=\"invalid_token\".",
                    dependsOn: [CheckCatalog.oauthToken, CheckCatalog.serviceAccountAuth], mustFail: true, tags: ["oauth"],
                    appliesWhen: "--must-fail-auth with oauth2"),
              applies: { $0.target.mustFailAuth && $0.target.serviceAccount.auth == .oauth2 }) { suite, _ in
            await suite.expiredTokenRefused()
        },
        Check(.init(id: AuthChecks.delegatedWithImpersonation, title: "A delegated token with impersonation is refused",
                    requirement: "An EWS request with a delegated (user) access token AND the ExchangeImpersonation header gets the ErrorInvalidExchangeImpersonationHeaderData fault (\"… must not exist for this type of OAuth token.\").",
                    dependsOn: [CheckCatalog.endpointReachable], mustFail: true, tags: ["oauth"],
                    appliesWhen: "--must-fail-auth with oauth2"),
              applies: { $0.target.mustFailAuth && $0.target.serviceAccount.auth == .oauth2 }) { suite, _ in
            await suite.delegatedWithImpersonation()
        },
    ]
}
