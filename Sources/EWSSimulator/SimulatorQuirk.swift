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
    /// GetItem answers leave out message:IsRead even when asked for it.
    case isReadNotReturned = "is-read-not-returned"
    /// UpdateItem that only sets message:IsRead answers NoError and changes nothing.
    case readFlagUpdateIgnored = "read-flag-update-ignored"
    /// MarkAllItemsAsRead answers NoError and changes nothing.
    case markAllItemsAsReadIgnored = "mark-all-items-as-read-ignored"
    /// CreateItem keeps only the run tag's property set of the extended properties it is given
    /// (a store that drops the properties it does not know).
    case productPropertiesDropped = "product-properties-dropped"
    /// CreateItem with MimeContent keeps the MIME's text but not its attachments.
    case mimeAttachmentsDropped = "mime-attachments-dropped"
    /// FindItem with a restriction on an extended property is refused (ErrorUnsupportedPathForQuery).
    case extendedPropertyRestrictionRefused = "extended-property-restriction-refused"
    /// ResolveNames leaves out the directory contact even with ReturnFullContactData.
    case resolveNamesWithoutContactData = "resolve-names-without-contact-data"
    /// ResolveNames of an unknown name answers NoError with an empty resolution set.
    case unknownNameResolvesEmpty = "unknown-name-resolves-empty"
    /// The Contacts folder cannot be read (GetFolder answers ErrorFolderNotFound).
    case contactsFolderMissing = "contacts-folder-missing"
    /// CreateItem with SendAndSaveCopy delivers but keeps no copy in Sent Items.
    case sentCopyNotSaved = "sent-copy-not-saved"
    /// MoveItem copies: the original stays where it was.
    case moveItemKeepsOriginal = "move-item-keeps-original"
    /// CopyItem moves: the original is gone afterwards.
    case copyItemMovesOriginal = "copy-item-moves-original"
    /// RequestServerVersion values older than Exchange2010 are refused (ErrorInvalidServerVersion).
    case requestVersionsBefore2010Refused = "request-versions-before-2010-refused"
    /// An impersonated request without `X-AnchorMailbox` is answered from another mailbox (a front
    /// end that routes by the anchor alone and falls back to a default backend).
    case missingAnchorMisroutes = "missing-anchor-misroutes"
}
