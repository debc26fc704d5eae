extension CheckCatalog {
    static let requestVersionMatrix = CheckID("ews.request-version.matrix")
}

extension CheckRegistry {
    /// Every request version a client may send, as a matrix (the product's own value is required
    /// by `ews.request-version.exchange2016`).
    static let versionMatrixFamily: [Check] = [
        Check(.init(id: CheckCatalog.requestVersionMatrix, title: "RequestServerVersion matrix",
                    requirement: "An impersonated GetFolder(Inbox) of the first mailbox is answered NoError with every RequestServerVersion from Exchange2007_SP1 to the newest the provider's ServerVersionInfo claims; a newer value is either accepted or refused as Exchange refuses it (the ErrorInvalidServerVersion fault). The matrix is recorded in the facts.",
                    dependsOn: [CheckCatalog.serverVersion, CheckCatalog.impersonationGetFolder], tags: ["versions"], level: .recommended)) { suite, _ in
            await suite.requestVersionMatrix()
        },
    ]
}
