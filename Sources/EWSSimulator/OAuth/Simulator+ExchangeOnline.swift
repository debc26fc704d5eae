import EWSTransport

extension Simulator {
    /// The Entra tenant id (exchange-online flavor only).
    package var tenantID: String? { entra?.tenantID }
    /// The client id of the consented application (exchange-online flavor only).
    package var clientID: String? { entra?.consentedApplication.clientID }
    /// The client secret of the consented application (exchange-online flavor only).
    package var clientSecret: String? { entra.flatMap { $0.clientSecret(of: $0.consentedApplication.clientID) } }
    /// The token endpoint on login.microsoftonline.com at the simulator's port (pin the name to
    /// 127.0.0.1, see ``exchangeOnlineHostPins``); exchange-online flavor only.
    package var tokenEndpointURL: String? {
        tenantID.map { "https://\(ExchangeOnlineHosts.login):\(port)/\($0)/oauth2/v2.0/token" }
    }
    /// The EWS URL on outlook.office365.com at the simulator's port.
    package var outlookURL: String { "https://\(ExchangeOnlineHosts.outlook):\(port)/EWS/Exchange.asmx" }
    /// Pins of outlook.office365.com and login.microsoftonline.com to this simulator.
    package var exchangeOnlineHostPins: [HostPin] {
        [HostPin(host: ExchangeOnlineHosts.outlook, port: port, address: "127.0.0.1"),
         HostPin(host: ExchangeOnlineHosts.login, port: port, address: "127.0.0.1")]
    }
}
