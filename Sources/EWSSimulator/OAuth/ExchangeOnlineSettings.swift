extension SimulatorConfiguration {
    /// Settings of the `exchange-online` flavor's Entra tenant and token service.
    package struct ExchangeOnline: Sendable {
        /// The tenant id (a GUID); nil makes a random one.
        package var tenantID: String?
        /// The tenant's display name (AADSTS messages name it).
        package var tenantName: String = "Contoso"
        /// The client secret of the consented application; nil makes a random one.
        package var clientSecret: String?
        /// `expires_in` of issued tokens, in seconds (Entra's default answer is 3599).
        package var tokenLifetimeSeconds: Int = 3599
        /// How far past `exp` (or before `nbf`) EWS still accepts a token.
        package var clockSkewSeconds: Int = 300

        /// Creates default settings.
        package init() {}
    }
}

/// The fixed host names of Exchange Online and the Microsoft identity platform.
package enum ExchangeOnlineHosts {
    /// Where EWS lives (`/EWS/Exchange.asmx`).
    package static let outlook = "outlook.office365.com"
    /// Where the token endpoint lives (`/{tenant}/oauth2/v2.0/token`).
    package static let login = "login.microsoftonline.com"
}

extension ExchangeOnlineHosts {
    /// The tenant's initial domain (`contoso.onmicrosoft.com` for `contoso.com`).
    static func initialDomain(of domain: String) -> String {
        (domain.split(separator: ".").first.map(String.init) ?? domain).lowercased() + ".onmicrosoft.com"
    }

    /// The extra names the certificate of an `exchange-online` simulator covers.
    static func certificateNames(domain: String) -> [String] { [outlook, login, initialDomain(of: domain)] }
}
