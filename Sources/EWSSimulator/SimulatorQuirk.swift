/// A deliberate deviation from Exchange, to model a broken or hostile hoster and prove the
/// harness reports it (each one is a failure a real provider has shown in some form).
public enum SimulatorQuirk: String, Sendable, Hashable, CaseIterable, Codable {
    /// Impersonation succeeds for any mailbox, in scope or not.
    case impersonationScopeNotEnforced = "impersonation-scope-not-enforced"
    /// GetAttachment returns content that differs from what was stored (a broken proxy or AV filter).
    case corruptAttachmentContent = "corrupt-attachment-content"
    /// DeleteItem answers NoError but keeps the item.
    case hardDeleteIgnored = "hard-delete-ignored"
    /// Responses carry no ServerVersionInfo header.
    case noServerVersionInfo = "no-server-version-info"
}
