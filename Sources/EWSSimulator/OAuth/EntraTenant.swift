import Crypto
private import EWSExecutor
import EWSTransport
import Foundation
import Synchronization

/// The Microsoft Entra side of the `exchange-online` flavor: the tenant, its registered
/// applications and their secrets, the token signing key, and the two Exchange Online policies
/// that decide which application may reach which mailbox over EWS.
///
/// Seeded with three applications: one with admin consent for `full_access_as_app` on the EWS
/// allow list and scoped by an Application Access Policy to the in-scope mailboxes; one without
/// admin consent (its tokens carry no roles); and one consented but not on the EWS allow list.
package final class EntraTenant: Sendable {
    /// The application id of Office 365 Exchange Online (the resource).
    package static let exchangeOnlineAppID = "00000002-0000-0ff1-ce00-000000000000"
    /// The EWS application permission.
    package static let fullAccessAsApp = "full_access_as_app"
    /// The EWS delegated permission.
    package static let ewsAccessAsUser = "EWS.AccessAsUser.All"
    /// The audiences EWS accepts (the resource URIs and the application id of Exchange Online).
    static let exchangeAudiences: Set<String> = ["https://outlook.office365.com", "https://outlook.office.com", exchangeOnlineAppID]
    /// Resources the token endpoint issues tokens for (the EWS ones, and Graph to test `aud` checks).
    static let knownResources: Set<String> = ["https://outlook.office365.com", "https://outlook.office.com", "https://graph.microsoft.com", exchangeOnlineAppID]

    /// The tenant id (a GUID, lower-case).
    package let tenantID: String
    /// The display name.
    package let displayName: String
    /// The verified domain names (the organisation's and the initial `onmicrosoft.com` one).
    package let domains: [String]
    /// Every registered application.
    package let applications: [EntraApplication]
    /// `EwsApplicationAccessPolicy` with its allow or block list.
    package let ewsApplicationAccessPolicy: EwsApplicationAccessPolicy
    /// Application Access Policies (`New-ApplicationAccessPolicy -AccessRight RestrictAccess`):
    /// application id → the mailboxes (primary SMTP) it may reach. An app without one reaches all.
    package let applicationAccessPolicies: [String: Set<String>]
    /// `expires_in` of issued tokens.
    package let tokenLifetime: Int
    /// Tolerance for `exp`/`nbf`, in seconds.
    package let clockSkew: Int
    private let secrets: [String: String]
    let signer: TokenSigner
    /// Certificates registered on applications, and redeemed client assertion ids.
    let certificates = EntraCertificateStore()
    /// The last tokens the token endpoint issued, so tests can prove none of them leaked.
    private let issued = Mutex<[String]>([])

    /// Tokens the token endpoint issued, oldest first (the last 100).
    var issuedTokens: [String] { issued.locked { $0 } }

    func remember(issued token: String) {
        issued.locked {
            $0.append(token)
            if $0.count > 100 { $0.removeFirst($0.count - 100) }
        }
    }

    /// `consentedAppAllowListed` false leaves the consented application out of the EWS allow list;
    /// `outsidePolicy` are in-scope mailboxes its Application Access Policy nevertheless leaves out.
    init(settings: SimulatorConfiguration.ExchangeOnline, domain: String, mailboxesInScope: [String],
         consentedAppAllowListed: Bool = true, outsidePolicy: Set<String> = []) throws {
        tenantID = (settings.tenantID ?? UUID().uuidString).lowercased()
        displayName = settings.tenantName
        domains = [domain.lowercased(), ExchangeOnlineHosts.initialDomain(of: domain)]
        func guid() -> String { UUID().uuidString.lowercased() }
        let ccaas = EntraApplication(clientID: guid(), displayName: "Contact Center EWS Connector", servicePrincipalID: guid(),
                                     roles: [Self.fullAccessAsApp])
        let pending = EntraApplication(clientID: guid(), displayName: "Contact Center EWS Connector (pending consent)",
                                       servicePrincipalID: guid(), roles: [])
        let legacy = EntraApplication(clientID: guid(), displayName: "Legacy EWS Archiver", servicePrincipalID: guid(),
                                      roles: [Self.fullAccessAsApp])
        applications = [ccaas, pending, legacy]
        secrets = [ccaas.clientID: settings.clientSecret ?? Self.randomSecret(),
                    pending.clientID: Self.randomSecret(), legacy.clientID: Self.randomSecret()]
        ewsApplicationAccessPolicy = .enforceAllowList(consentedAppAllowListed ? [ccaas.clientID, pending.clientID] : [pending.clientID])
        let outside = Set(outsidePolicy.map { $0.lowercased() })
        applicationAccessPolicies = [ccaas.clientID: Set(mailboxesInScope.map { $0.lowercased() }).subtracting(outside)]
        tokenLifetime = max(1, settings.tokenLifetimeSeconds)
        clockSkew = max(0, settings.clockSkewSeconds)
        signer = try TokenSigner()
    }

    /// The application with admin consent for `full_access_as_app`, allowed to use EWS and scoped
    /// to the in-scope mailboxes: the one a contact center would use.
    package var consentedApplication: EntraApplication { applications[0] }
    /// An application whose `full_access_as_app` permission has no admin consent.
    package var unconsentedApplication: EntraApplication { applications[1] }
    /// A consented application that is not on the EWS allow list.
    package var notAllowListedApplication: EntraApplication { applications[2] }

    /// The application with this client id.
    package func application(clientID: String) -> EntraApplication? {
        let id = clientID.lowercased()
        return applications.first { $0.clientID == id }
    }

    /// The client secret of an application.
    package func clientSecret(of clientID: String) -> String? { secrets[clientID.lowercased()] }

    /// Whether `name` names this tenant in a token endpoint path (its id or a verified domain).
    func isNamed(_ name: String) -> Bool {
        let n = name.lowercased()
        return n == tenantID || domains.contains(n)
    }

    func secretMatches(clientID: String, secret: String) -> Bool {
        guard let expected = secrets[clientID.lowercased()] else { return false }
        return constantTimeEqual(Array(expected.utf8), Array(secret.utf8))
    }

    /// Whether Exchange Online lets `appID` reach `mailbox` (Application Access Policy).
    func applicationAccessPolicyAllows(_ appID: String, _ mailbox: String) -> Bool {
        guard let scope = applicationAccessPolicies[appID.lowercased()] else { return true }
        return scope.contains(mailbox.lowercased())
    }

    /// The issuer of v1.0 access tokens (the kind Exchange Online's resource gets).
    var issuer: String { "https://sts.windows.net/\(tenantID)/" }

    /// A stable object id for a directory user (delegated tokens carry it in `oid`).
    static func objectID(of user: SimulatedUser) -> String {
        let digest = Array(SHA256.hash(data: Data(user.primarySmtpAddress.utf8)))
        let hex = digest.prefix(16).map { String(format: "%02x", $0) }.joined()
        let c = Array(hex)
        return [String(c[0..<8]), String(c[8..<12]), String(c[12..<16]), String(c[16..<20]), String(c[20..<32])].joined(separator: "-")
    }

    private static func randomSecret() -> String {
        // Entra client secret values are 40 characters of this alphabet, with a `~` in them.
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")
        let head = String((0..<3).map { _ in alphabet.randomElement() ?? "x" })
        return head + "8Q~" + String((0..<34).map { _ in alphabet.randomElement() ?? "x" })
    }
}
