import EWSProtocol

/// Which kind of Exchange the simulator behaves like.
package enum SimulatorFlavor: String, Sendable, CaseIterable, Codable {
    /// Exchange Server 2019 CU14 on premises: Basic and NTLM, the ApplicationImpersonation role.
    case onPremises = "exchange-onprem"
    /// Exchange Online: OAuth app-only tokens with full_access_as_app, ExchangeImpersonation and
    /// X-AnchorMailbox; Basic refused.
    case exchangeOnline = "exchange-online"
    /// A hoster running Exchange 2013 behind Basic auth, with two real-world quirks: it refuses
    /// request versions newer than Exchange2013_SP1, and its GetFolder answers leave out the
    /// optional UnreadCount (and TotalCount).
    case genericHoster = "generic-hoster"

    /// The `ServerVersionInfo` this flavor reports.
    var serverVersion: (major: Int, minor: Int, build: Int, revision: Int, version: String) {
        switch self {
        case .onPremises: return (15, 2, 1544, 4, "V2017_07_11")
        case .exchangeOnline: return (15, 20, 8293, 26, "V2018_01_08")
        case .genericHoster: return (15, 0, 1497, 2, "V2_23")
        }
    }

    /// The newest `RequestServerVersion` the flavor accepts (nil: any the schema knows).
    var maximumRequestVersion: ExchangeVersion? {
        switch self {
        case .genericHoster: return "Exchange2013_SP1"
        case .onPremises, .exchangeOnline: return nil
        }
    }

    /// The largest request body (IIS `maxAllowedContentLength` of the EWS virtual directory:
    /// 64 MiB on premises, 150 MB at Exchange Online; the hoster keeps 30 MiB).
    var maxRequestBytes: Int {
        switch self {
        case .onPremises: return 64 * 1024 * 1024
        case .exchangeOnline: return 150 * 1000 * 1000
        case .genericHoster: return 30 * 1024 * 1024
        }
    }

    /// The largest message that may be sent (the organisation's MaxSendSize: 35 MB on premises
    /// and at Exchange Online by default, 25 MB at the hoster): `ErrorMessageSizeExceeded` beyond.
    var maxMessageBytes: Int {
        switch self {
        case .onPremises, .exchangeOnline: return 35 * 1024 * 1024
        case .genericHoster: return 25 * 1024 * 1024
        }
    }

    /// Whether GetFolder leaves out the optional counts.
    var omitsFolderCounts: Bool { self == .genericHoster }

    /// What `WWW-Authenticate` offers on a 401, in the order the product sends them.
    var authenticateChallenges: [String] {
        switch self {
        case .onPremises: return ["Negotiate", "NTLM"]
        case .exchangeOnline: return []
        case .genericHoster: return []
        }
    }

    /// Whether the flavor accepts HTTP Basic.
    var acceptsBasic: Bool { self != .exchangeOnline }

    /// Whether the flavor accepts NTLM.
    var acceptsNTLM: Bool { self == .onPremises }
}
