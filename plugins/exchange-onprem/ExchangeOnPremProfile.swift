import EWSCheckPluginSDK

/// Exchange Server 2013–2019 and Subscription Edition on premises (or hosted as such): NTLM,
/// Negotiate or Basic, and the ApplicationImpersonation RBAC role.
let exchangeOnPrem = ProviderPlugin(manifest: ProviderManifest(
    id: "exchange-onprem",
    name: "Exchange Server on premises (2013, 2016, 2019, SE)",
    version: "1.0.0",
    vendor: "ewscheck",
    docsURL: "https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-configure-impersonation",
    description: "A service account with the ApplicationImpersonation role, scoped with a management scope to the contact center's mailboxes.",
    discovery: .init(methods: [
        .init(method: "pox-autodiscover"),
        .init(method: "fixed-url", urlTemplate: "https://mail.{domain}/EWS/Exchange.asmx"),
    ]),
    auth: .init(schemes: ["ntlm", "negotiate", "basic"]),
    ews: .init(requestServerVersion: "Exchange2013_SP1", minimumServerVersion: "15.0", connectingSID: "primary-smtp-address",
               requiredHeaders: ["X-AnchorMailbox"], maxConcurrency: 27),
    capabilities: ["pull-notifications", "streaming-notifications", "push-notifications"],
    readinessNotices: [
        .init(id: "exchange-2016-2019-end-of-support", date: "2025-10-14", kind: "deprecated",
              summary: "Exchange Server 2016 and 2019 reached the end of support; Exchange Server Subscription Edition replaces them.",
              link: "https://learn.microsoft.com/en-us/exchange/plan-and-deploy/exchange-server-lifecycle"),
    ],
    simulatorFlavor: "exchange-onprem"),
    hookThreading: .threadSafe)

@_cdecl("ewscheck_plugin_entry")
public func ewscheckPluginEntry(_ hostABIVersion: UInt32) -> UnsafeRawPointer? {
    exchangeOnPrem.export(hostABIVersion: hostABIVersion)
}
