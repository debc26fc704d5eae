import EWSTransport

/// The simulator's Kerberos side of Negotiate: MIT's acceptor with the web server's keytab, and
/// the mapping from a client principal to the tenant's account (`svc-ewscheck@CONTOSO.COM` →
/// the account whose sAMAccountName is `svc-ewscheck`), as Active Directory maps a user's UPN.
final class KerberosAuthenticator: Sendable {
    let acceptor: GSSAcceptor
    let realm: String

    init(_ settings: SimulatorConfiguration.Kerberos) throws {
        do {
            acceptor = try GSSAcceptor(keytab: settings.keytab)
        } catch {
            throw SimulatorError("the Kerberos acceptor could not start: \(error)")
        }
        realm = settings.realm.uppercased()
    }

    /// The account a principal of this realm maps to; nil for other realms and unknown names.
    func account(for principal: String, in tenant: SimulatedTenant) -> SimulatedUser? {
        guard let at = principal.lastIndex(of: "@") else { return nil }
        let name = String(principal[..<at])
        let principalRealm = String(principal[principal.index(after: at)...])
        guard principalRealm.uppercased() == realm, !name.contains("/") else { return nil }
        return tenant.account(signInName: name, domain: tenant.domain)
    }
}
