private import EWSExecutor
import NIOPosix
import EWSProtocol
import EWSTransport
import Foundation

/// One HTTP response of the simulator.
struct SimulatedResponse: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: [UInt8]
    /// A response that goes on after its head (GetStreamingEvents): chunks written as polled.
    var stream: (any ResponseStream)? = nil

    static func xml(_ status: Int, _ text: String) -> SimulatedResponse {
        SimulatedResponse(status: status, headers: [("Content-Type", "text/xml; charset=utf-8")], body: Array(text.utf8))
    }
}

/// The EWS endpoint (`/EWS/Exchange.asmx`) of the simulator: reads a SOAP request from an
/// authenticated caller and answers as Exchange does, message forms and fault forms alike.
final class EWSService: Sendable {
    let tenant: SimulatedTenant
    let flavor: SimulatorFlavor
    let validator: SchemaValidator?
    let quirks: Set<SimulatorQuirk>
    /// The HTTP layer refuses larger bodies with 413 before they get here.
    let maxRequestBytes: Int
    /// How often an idle event stream says `ConnectionStatus` OK.
    let streamingKeepAliveSeconds: Int
    /// How long transport takes to deliver sent mail.
    let deliveryDelayMilliseconds: Int
    /// How long the `notification-late` quirk holds events back.
    let notificationDelayMilliseconds: Int
    /// EWSMaxSubscriptions per target mailbox.
    let maxSubscriptionsPerMailbox: Int
    /// The mailbox (primary SMTP) the per-mailbox EWS policy quirks block.
    let policyMailbox: String?
    /// Delivers push subscriptions' notifications; nil refuses push subscriptions as not implemented.
    let pushNotifier: PushNotifier?
    /// Outlook on the web on the external host (`https://mail.contoso.com/owa/`): the base of the
    /// items' `WebClientReadFormQueryString` and `WebClientEditFormQueryString`.
    let owaURL: String

    init(tenant: SimulatedTenant, flavor: SimulatorFlavor, validator: SchemaValidator?, quirks: Set<SimulatorQuirk> = [],
         maxRequestBytes: Int = 64 * 1024 * 1024, streamingKeepAliveSeconds: Int = 30, deliveryDelayMilliseconds: Int = 0,
         notificationDelayMilliseconds: Int = 2000, maxSubscriptionsPerMailbox: Int? = nil, policyMailbox: String? = nil,
         pushNotifier: PushNotifier? = nil, externalHost: String? = nil) {
        self.pushNotifier = pushNotifier
        // Without a host (tests that build the service alone), the one the flavor's Autodiscover hands out.
        let host = externalHost ?? (flavor == .exchangeOnline ? ExchangeOnlineHosts.outlook : "mail.\(tenant.domain)")
        self.owaURL = "https://\(host)/owa/"
        self.policyMailbox = policyMailbox
        self.notificationDelayMilliseconds = notificationDelayMilliseconds
        self.maxSubscriptionsPerMailbox = maxSubscriptionsPerMailbox ?? (flavor == .exchangeOnline ? 20 : 5000)
        self.deliveryDelayMilliseconds = deliveryDelayMilliseconds
        self.streamingKeepAliveSeconds = streamingKeepAliveSeconds
        self.maxRequestBytes = maxRequestBytes
        self.tenant = tenant
        self.flavor = flavor
        self.validator = validator
        self.quirks = quirks
    }

    /// What the request log records of a handled request.
    struct Handled: Sendable {
        var response: SimulatedResponse
        var operation: String?
        var impersonated: String?
        var responseCodes: [String]
    }

    func handle(body: [UInt8], caller: SimulatedUser, authorization: CallerAuthorization = .windows, anchorMailbox: String? = nil) -> Handled {
        var operation: String?
        var impersonated: String?
        do {
            let tree: XMLTree
            do {
                tree = try XMLTree(parsing: body, maxBytes: maxRequestBytes)
            } catch {
                throw EWSError.schemaValidation(error.message, line: error.line, position: error.column)
            }
            guard let root = tree.root, root.is("Envelope", EWSNamespace.soap) else {
                throw EWSError.schemaValidation("The root element must be a SOAP 1.1 Envelope.", line: 1, position: 1)
            }
            let header = root.child("Header", EWSNamespace.soap)
            guard let soapBody = root.child("Body", EWSNamespace.soap), let request = soapBody.children.first,
                  request.namespace == EWSNamespace.messages else {
                throw EWSError("ErrorInvalidRequest", "The request is invalid.")
            }
            operation = request.name
            if let rsv = header?.child("RequestServerVersion", EWSNamespace.types) {
                guard let version = rsv.attribute("Version"), ExchangeVersion(version).isKnown else {
                    throw EWSError.invalidServerVersion
                }
                // A server only knows the versions up to its own schema.
                if let cap = flavor.maximumRequestVersion, let asked = ExchangeVersion.known.firstIndex(of: ExchangeVersion(version)),
                   let limit = ExchangeVersion.known.firstIndex(of: cap), asked > limit {
                    throw EWSError.invalidServerVersion
                }
                if quirks.contains(.requestVersionsBefore2010Refused), ["Exchange2007", "Exchange2007_SP1", "Exchange2009"].contains(version) {
                    throw EWSError.invalidServerVersion
                }
            }
            try validate(header: header, request: request)
            var effective = caller
            let imp = header?.child("ExchangeImpersonation", EWSNamespace.types)
            // Tenant settings that keep the caller out of EWS come before any SOAP processing.
            if let refusal = organizationRefusal(caller: caller, impersonating: imp != nil) { throw refusal }
            // Exchange Online ties the header to the token type (texts observed from EXO).
            switch (authorization, imp) {
            case (.appOnly, nil):
                throw EWSError.invalidImpersonationHeader("ExchangeImpersonation SOAP header must be present for this type of OAuth token.")
            case (.delegated, _?):
                throw EWSError.invalidImpersonationHeader("ExchangeImpersonation SOAP header must not exist for this type of OAuth token.")
            default: break
            }
            if let imp {
                effective = try impersonate(caller: caller, header: imp, authorization: authorization, anchorMailbox: anchorMailbox)
                impersonated = effective.primarySmtpAddress
                if let refusal = mailboxRefusal(effective) { throw refusal }
            }
            let context = RequestContext(caller: caller, mailboxUser: effective)
            if request.name == "GetStreamingEvents" {
                let (response, codes) = try streamingEvents(request, context)
                return Handled(response: response, operation: operation, impersonated: impersonated, responseCodes: codes)
            }
            let bodyXML = try dispatchBendingQuirks(request, context)
            let codes = Self.responseCodes(in: bodyXML)
            return Handled(response: .xml(200, SOAPWriter.envelope(flavor: flavor, body: bodyXML,
                                                                   versionHeader: !quirks.contains(.noServerVersionInfo))),
                           operation: operation, impersonated: impersonated, responseCodes: codes)
        } catch let error as EWSError {
            return Handled(response: .xml(500, SOAPWriter.fault(error)), operation: operation,
                           impersonated: impersonated, responseCodes: [error.code])
        } catch let refusal as HTTPRefusal {
            return Handled(response: SimulatedResponse(status: refusal.status, headers: refusal.headers, body: []),
                           operation: operation, impersonated: impersonated, responseCodes: [])
        } catch {
            let e = EWSError("ErrorInternalServerError", "An internal server error occurred. The operation failed.")
            return Handled(response: .xml(500, SOAPWriter.fault(e)), operation: operation,
                           impersonated: impersonated, responseCodes: [e.code])
        }
    }

    private static func responseCodes(in xml: String) -> [String] {
        UTF8Search.texts(between: "<m:ResponseCode>", and: "</m:ResponseCode>", in: xml)
    }

    /// What XSD validation of a request is noted as on the blocking executor.
    static let validationWork = "simulator.xsd-validation"

    private func validate(header: XMLElement?, request: XMLElement) throws {
        guard let validator else { return }
        BlockingExecutor.shared.noteBlockingWork(Self.validationWork, onEventLoop: MultiThreadedEventLoopGroup.currentEventLoop != nil)
        let ewsElements = (header?.children ?? []).filter { $0.namespace == EWSNamespace.types } + [request]
        for element in ewsElements {
            if let v = validator.validate(element).first {
                throw EWSError.schemaValidation(v.message, line: v.line, position: max(v.column, 1))
            }
        }
    }

    private func impersonate(caller: SimulatedUser, header: XMLElement, authorization: CallerAuthorization, anchorMailbox: String?) throws -> SimulatedUser {
        guard let sid = header.child("ConnectingSID", EWSNamespace.types), sid.children.count == 1,
              let identifier = sid.children.first else {
            throw EWSError.invalidImpersonationHeader("The impersonation header must name exactly one of PrincipalName, SID, PrimarySmtpAddress or SmtpAddress.")
        }
        let value = identifier.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !value.isEmpty else {
            throw EWSError.invalidImpersonationHeader("The impersonation principal name, SMTP address or SID is empty.")
        }
        var target: SimulatedUser?
        switch identifier.name {
        case "PrimarySmtpAddress": target = tenant.user(primarySmtp: value)
        case "SmtpAddress": target = quirks.contains(.smtpAddressFormRefused) ? nil : tenant.user(anySmtp: value)
        case "PrincipalName": target = quirks.contains(.upnFormRefused) ? nil : tenant.user(principalName: value)
        case "SID":
            if quirks.contains(.malformedSidAccepted) {
                target = tenant.user(sid: Self.laxSID(value))
            } else {
                // A string that is no SID at all is refused before any lookup (the form is inferred).
                guard Self.isSID(value) else { throw EWSError.invalidSid }
                target = quirks.contains(.sidFormRefused) ? nil : tenant.user(sid: value)
            }
        default:
            throw EWSError.invalidImpersonationHeader("Unknown impersonation identifier <\(identifier.name)>.")
        }
        if quirks.contains(.anchorlessPrimarySmtpMisrouted), identifier.name == "PrimarySmtpAddress", anchorMailbox == nil, let found = target {
            // The front end's default back end: the next mailbox the account may open.
            target = tenant.allUsers.first { $0.hasMailbox && !$0.isRoom && $0.primarySmtpAddress != found.primarySmtpAddress
                && (tenant.impersonationScope(of: caller)?.allows($0.primarySmtpAddress) ?? true) } ?? found
        }
        // An app with full_access_as_app may act as any mailbox; an Application Access Policy
        // narrows that, and Exchange Online refuses the rest with a bare HTTP 403.
        if case .appOnly(_, let allowed) = authorization {
            guard let target, target.hasMailbox else { throw EWSError.nonExistentMailbox(value) }
            guard allowed?.contains(target.primarySmtpAddress) ?? true else { throw HTTPRefusal.policyBlocked }
            return target
        }
        // Exchange checks the caller's right before it looks the target up.
        guard let scope = tenant.impersonationScope(of: caller) ?? (quirks.contains(.unprivilegedImpersonationAllowed) ? .organization : nil) else {
            throw EWSError.impersonateUserDenied
        }
        guard let target, target.hasMailbox else { throw EWSError.nonExistentMailbox(value) }
        guard scope.allows(target.primarySmtpAddress) || quirks.contains(.impersonationScopeNotEnforced) else {
            throw EWSError.impersonateUserDenied
        }
        return target
    }

    /// `S-1-<authority>-<sub>…`, digits only.
    static func isSID(_ s: String) -> Bool {
        let parts = s.uppercased().split(separator: "-", omittingEmptySubsequences: false)
        return parts.count >= 3 && parts[0] == "S" && parts[1] == "1"
            && parts.dropFirst(2).allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
    }

    /// What a lax SID parser makes of a string: the components up to the first that is not a number.
    static func laxSID(_ s: String) -> String {
        let parts = s.split(separator: "-", omittingEmptySubsequences: false)
        var kept = Array(parts.prefix(2))
        for part in parts.dropFirst(2) {
            guard !part.isEmpty, part.allSatisfy({ $0.isASCII && $0.isNumber }) else { break }
            kept.append(part)
        }
        return kept.joined(separator: "-")
    }

    func dispatch(_ request: XMLElement, _ context: RequestContext) throws -> String {
        if let refusal = RequestSurface.refusal(for: request) { return refusal }
        switch request.name {
        case "GetFolder": return try getFolder(request, context)
        case "FindFolder": return try findFolder(request, context)
        case "FindItem": return try findItem(request, context)
        case "GetItem": return try getItem(request, context)
        case "CreateItem": return try createItem(request, context)
        case "GetAttachment": return try getAttachment(request, context)
        case "CreateAttachment": return try createAttachment(request, context)
        case "DeleteAttachment": return try deleteAttachment(request, context)
        case "DeleteItem": return try deleteItem(request, context)
        case "ConvertId": return try convertId(request, context)
        case "UpdateItem": return try updateItem(request, context)
        case "MoveItem", "CopyItem": return try moveOrCopyItem(request, context)
        case "SendItem": return try sendItem(request, context)
        case "CreateFolder": return try createFolder(request, context)
        case "DeleteFolder": return try deleteFolder(request, context)
        case "EmptyFolder": return try emptyFolder(request, context)
        case "MarkAllItemsAsRead": return try markAllItemsAsRead(request, context)
        case "ResolveNames": return try resolveNames(request, context)
        case "GetServerTimeZones": return try getServerTimeZones(request, context)
        case "ExpandDL": return try expandDL(request, context)
        case "GetRoomLists": return try getRoomLists(request, context)
        case "GetRooms": return try getRooms(request, context)
        case "Subscribe": return try subscribe(request, context)
        case "GetEvents": return try getEvents(request, context)
        case "Unsubscribe": return try unsubscribe(request, context)
        case "SyncFolderItems": return try syncFolderItems(request, context)
        case "SyncFolderHierarchy": return try syncFolderHierarchy(request, context)
        case "GetUserAvailabilityRequest": return try getUserAvailability(request, context)
        case "GetUserOofSettingsRequest": return try getUserOofSettings(request, context)
        case "SetUserOofSettingsRequest": return try setUserOofSettings(request, context)
        default:
            throw EWSError("ErrorInvalidOperation", "The simulated provider does not implement \(request.name).")
        }
    }
}

/// Who is asking, and whose mailbox the request acts on (the impersonated user, else the caller).
struct RequestContext {
    var caller: SimulatedUser
    var mailboxUser: SimulatedUser
}
