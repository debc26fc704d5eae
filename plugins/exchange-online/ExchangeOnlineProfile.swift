import EWSCheckPluginSDK

/// Microsoft Exchange Online: app-only OAuth (client credentials, `full_access_as_app`) plus the
/// ExchangeImpersonation header and X-AnchorMailbox; Basic and NTLM refused.
let exchangeOnline = ProviderPlugin(manifest: ProviderManifest(
    id: "exchange-online",
    name: "Microsoft Exchange Online (Microsoft 365)",
    version: "1.0.0",
    vendor: "ewscheck",
    docsURL: "https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-authenticate-an-ews-application-by-using-oauth",
    description: "EWS at outlook.office365.com with an Entra app holding the full_access_as_app application role. Every request impersonates a mailbox and names it in X-AnchorMailbox.",
    discovery: .init(methods: [.init(method: "fixed-url", urlTemplate: "https://outlook.office365.com/EWS/Exchange.asmx")]),
    auth: .init(schemes: ["oauth2-client-credentials"], refusedSchemes: ["basic", "ntlm"],
                oauth: .init(tokenEndpointTemplate: "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
                             scopeTemplate: "https://outlook.office365.com/.default",
                             requiredRoles: ["full_access_as_app"])),
    ews: .init(requestServerVersion: "Exchange2016", minimumServerVersion: "15.20", connectingSID: "primary-smtp-address",
               requiredHeaders: ["X-AnchorMailbox"], maxConcurrency: 27),
    capabilities: ["pull-notifications", "streaming-notifications"],
    // No known deviation: Exchange Online's HTTP 403 for a mailbox an Application Access Policy
    // excludes is the form impersonation.out-of-scope.denied expects with an app-only token.
    readinessNotices: [
        .init(id: "exo-ews-basic-auth-removed", date: "2022-10-01", kind: "removed",
              summary: "Basic authentication for EWS was removed from Exchange Online; only OAuth works.",
              link: "https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/get-started-with-ews-client-applications"),
        .init(id: "exo-application-impersonation-role-removed", date: "2025-02-01", kind: "removed",
              summary: "The ApplicationImpersonation RBAC role was retired; impersonation needs an Entra app with full_access_as_app.",
              link: "https://techcommunity.microsoft.com/t5/exchange-team-blog/retirement-of-rbac-application-impersonation-in-exchange-online/ba-p/4062671"),
        .init(id: "exo-ews-app-allow-list", date: "2026-10-01", kind: "blocked",
              summary: "EWS is blocked for applications the tenant has not allow-listed (EWSEnabled with an app allow-list).",
              link: "https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-control-access-to-ews-in-exchange"),
        .init(id: "exo-ews-shutdown", date: "2027-04-01", kind: "shutdown",
              summary: "EWS in Exchange Online is shut down for good; the product must move to Microsoft Graph.",
              link: "https://techcommunity.microsoft.com/blog/exchange/retirement-of-exchange-web-services-in-exchange-online/3924440"),
    ],
    simulatorFlavor: "exchange-online"),
    hookThreading: .threadSafe)

@_cdecl("ewscheck_plugin_entry")
public func ewscheckPluginEntry(_ hostABIVersion: UInt32) -> UnsafeRawPointer? {
    exchangeOnline.export(hostABIVersion: hostABIVersion)
}
