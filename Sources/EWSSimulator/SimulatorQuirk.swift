/// A deliberate deviation from Exchange, to model a broken or hostile hoster and prove the
/// harness reports it (each one is a failure a real provider has shown in some form).
package enum SimulatorQuirk: String, Sendable, Hashable, CaseIterable, Codable {
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
    /// SyncFolderItems ignores the sync state it is given and starts from nothing: every item of
    /// the folder is reported as Create again (a provider that keeps no per-client sync state).
    case syncStateIgnored = "sync-state-ignored"
    /// RequestServerVersion values older than Exchange2010 are refused (ErrorInvalidServerVersion).
    case requestVersionsBefore2010Refused = "request-versions-before-2010-refused"
    /// GetUserAvailability answers without calendar events, the merged string all free (an
    /// availability service reading a stale or unpublished free/busy).
    case freeBusyOmitsCreatedEvent = "free-busy-omits-created-event"
    /// GetUserAvailability reports every Busy event as Tentative.
    case freeBusyBusyAsTentative = "free-busy-busy-as-tentative"
    /// GetUserAvailability labels its (UTC) event times with a +01:00 offset (a provider that
    /// writes one zone's wall clock with another zone's offset).
    case freeBusyTimesMislabelled = "free-busy-times-mislabelled"
    /// GetUserOofSettings answers ErrorAccessDenied, even for the impersonated mailbox itself.
    case oofSettingsRefused = "oof-settings-refused"
    /// GetUserAvailability answers without WorkingHours.
    case workingHoursMissing = "working-hours-missing"
    /// GetEvents never reports CreatedEvent or NewMailEvent for new items (the lamp never lights).
    case newMailEventMissing = "new-mail-event-missing"
    /// GetEvents never reports ModifiedEvent for changed items (the lamp never goes off).
    case modifiedEventMissing = "modified-event-missing"
    /// GetEvents answers with a PreviousWatermark other than the watermark it was asked to continue from.
    case watermarkDiscontinuous = "watermark-discontinuous"
    /// GetEvents holds each item event back until it is ``SimulatorConfiguration/notificationDelayMilliseconds`` old.
    case notificationLate = "notification-late"
    /// Subscriptions are charged to the calling account rather than to the impersonated mailbox (as
    /// Exchange did before 2010 SP2 RU4), and the account may hold only
    /// ``EWSService/callerSubscriptionLimit`` at once: ErrorExceededSubscriptionCount after that,
    /// whichever mailbox the next one is for.
    case subscriptionsChargedToCaller = "subscriptions-charged-to-caller"
    /// GetStreamingEvents keeps its connection open with keep-alives but never sends an item event
    /// (folder events still come): a streaming subscription that stays silent.
    case streamingEventsMissing = "streaming-events-missing"
    /// GetStreamingEvents is held back whole until the stream ends and then sent with a
    /// Content-Length (a server or proxy that buffers the chunked response): nothing arrives while
    /// the connection is open.
    case streamingBuffered = "streaming-buffered"
    /// ExpandDL of a known distribution list answers NoError with no members (a directory that
    /// hides list membership).
    case expandDLEmpty = "expand-dl-empty"
    /// Without X-AnchorMailbox, impersonation by PrimarySmtpAddress lands in another mailbox (a
    /// front end that routes by the anchor alone and falls back to a default back end).
    case anchorlessPrimarySmtpMisrouted = "anchorless-primary-smtp-misrouted"
    /// Impersonation by SmtpAddress is answered ErrorNonExistentMailbox (only the primary form is looked up).
    case smtpAddressFormRefused = "smtp-address-form-refused"
    /// Impersonation by PrincipalName (UPN) is answered ErrorNonExistentMailbox.
    case upnFormRefused = "upn-form-refused"
    /// Impersonation by SID is answered ErrorNonExistentMailbox.
    case sidFormRefused = "sid-form-refused"
    /// A SID is parsed laxly: the first component that is not a number ends it, so a malformed SID
    /// reaches the mailbox of the SID before it instead of being refused with ErrorInvalidSid.
    case malformedSidAccepted = "malformed-sid-accepted"
    /// An account without the ApplicationImpersonation role may impersonate anyone.
    case unprivilegedImpersonationAllowed = "unprivileged-impersonation-allowed"
    /// The service account has FullAccess to every mailbox: it opens another mailbox's folders
    /// without impersonation.
    case delegateAccessAllowed = "delegate-access-allowed"

    // EWS blocked by policy (issue 10 point 9). Not deviations from Exchange but tenant settings
    // Exchange honours; each is answered the way Exchange answers it: HTTP 403 with no body
    // (see EWSService+AccessPolicy.swift for the evidence and what is inferred). "The policy
    // mailbox" is the last in-scope mailbox.

    /// `Set-CASMailbox <policy mailbox> -EwsEnabled $false`. Exchange Online refuses EWS for that
    /// mailbox, impersonated or not; on-premises Exchange only refuses the mailbox's own sign-ins
    /// (its CallContext exempts ExchangeImpersonation), so there impersonation still works.
    case mailboxEwsDisabled = "mailbox-ews-disabled"
    /// `Set-OrganizationConfig -EwsEnabled $false`. Exchange Online refuses every EWS request;
    /// on-premises Exchange refuses the service account's own (not impersonated) requests.
    case organizationEwsDisabled = "organization-ews-disabled"
    /// The tenant's EWS application allow list leaves the client out. Exchange Online (blocking
    /// since 1 October 2026): the consented application is not in `EwsAllowedAppIDs`, so every
    /// request with its token is refused; on premises: `-EwsApplicationAccessPolicy
    /// EnforceAllowList` with an `-EwsAllowList` that matches no User-Agent of this client, so the
    /// service account's own requests are refused.
    case appNotOnEwsAllowList = "app-not-on-ews-allow-list"
    /// Exchange Online only: the policy mailbox holds only a Kiosk/frontline licence (Exchange
    /// Online Kiosk, F1, F3), which carries no EWS rights (enforced since 30 June 2026).
    case mailboxKioskLicence = "mailbox-kiosk-licence"
    /// Exchange Online only: the consented application's Application Access Policy
    /// (`New-ApplicationAccessPolicy -AccessRight RestrictAccess`) leaves the policy mailbox out.
    case applicationAccessPolicyExcludesMailbox = "application-access-policy-excludes-mailbox"

    // The provider's own WSDL and schemas (issue 10 point 8, issue 13 point 1).

    /// GetFolder answers carry an element the EWS schema does not allow (`m:HostingNote` after
    /// the ResponseCode), as a non-Exchange front end that decorates answers would.
    case schemaViolatingResponse = "schema-violating-response"
    /// `Services.wsdl`, `Exchange.asmx?wsdl`, `messages.xsd` and `types.xsd` answer 404 (a proxy
    /// that publishes only `Exchange.asmx`).
    case noServedSchemas = "no-served-schemas"
    /// The WSDL's `soap:address` names a host on another domain
    /// (``SimulatorConfiguration/wsdlForeignAddress``).
    case wsdlForeignAddress = "wsdl-foreign-address"
}
