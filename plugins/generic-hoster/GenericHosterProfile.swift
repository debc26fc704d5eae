import EWSCheckPluginSDK

/// A typical hosted-Exchange provider: Exchange 2013 behind Basic auth, with two quirks seen in
/// the field and declared as known deviations (so a fixed hoster turns them into failures).
let genericHoster = ProviderPlugin(
    manifest: ProviderManifest(
        id: "generic-hoster",
        name: "Generic hosted Exchange (2013, Basic auth)",
        version: "1.0.0",
        vendor: "ewscheck",
        description: "Copy this profile for a hoster: set the URL template, the auth schemes, the request version it takes and the deviations it is known for.",
        discovery: .init(methods: [.init(method: "fixed-url", urlTemplate: "https://mail.{domain}/EWS/Exchange.asmx")]),
        auth: .init(schemes: ["basic"], refusedSchemes: ["ntlm"]),
        ews: .init(requestServerVersion: "Exchange2013_SP1", minimumServerVersion: "15.0", connectingSID: "primary-smtp-address",
                   requiredHeaders: ["X-AnchorMailbox"], extraHeaders: ["X-Client-Application": "ewscheck"], maxConcurrency: 10),
        capabilities: ["pull-notifications"],
        knownDeviations: [
            .init(check: "ews.request-version.exchange2016",
                  reason: "the hoster runs Exchange 2013, which refuses RequestServerVersion newer than Exchange2013_SP1",
                  signature: .init(responseCode: "ErrorInvalidServerVersion")),
            .init(check: "voicemail.message-waiting",
                  reason: "the hoster's GetFolder answers leave out the optional UnreadCount, so unread counts must be computed with FindItem",
                  signature: .init(facts: ["unread_count": "absent"])),
        ],
        simulatorFlavor: "generic-hoster"),
    hookThreading: .threadSafe,
    adjustRequest: { input in
        // The hoster's front end routes on the impersonated mailbox; send it on every request.
        guard let mailbox = input.impersonatedMailbox else { return nil }
        return AdjustRequestOutput(url: nil, setHeaders: ["X-Hoster-Mailbox": mailbox], removeHeaders: [])
    })

@_cdecl("ewscheck_plugin_entry")
public func ewscheckPluginEntry(_ hostABIVersion: UInt32) -> UnsafeRawPointer? {
    genericHoster.export(hostABIVersion: hostABIVersion)
}
