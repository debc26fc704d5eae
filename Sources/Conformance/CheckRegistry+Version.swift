extension CheckRegistry {
    /// Server and request versions.
    static let versionFamily: [Check] = [
        Check(.init(id: CheckCatalog.serverVersion, title: "Server version reported",
                    requirement: "EWS responses carry ServerVersionInfo, so clients can pick a request version (and the build is at least the profile's minimum).",
                    dependsOn: [CheckCatalog.serviceAccountAuth], enforces: ["ews.minimum_server_version"])) { suite, _ in
            await suite.serverVersion()
        },
        Check(.init(id: CheckCatalog.requestVersionProduct, title: "RequestServerVersion Exchange2016 accepted",
                    requirement: "An impersonated GetFolder(Inbox) of the first mailbox with RequestServerVersion Exchange2016 (what the product sends to Exchange 2016, 2019, SE and Online) is answered NoError.",
                    dependsOn: [CheckCatalog.serviceAccountAuth, CheckCatalog.impersonationGetFolder])) { suite, _ in
            await suite.requestVersion(.exchange2016)
        },
    ]
}
