/// Which kind of Exchange the simulator behaves like.
public enum SimulatorFlavor: String, Sendable, CaseIterable, Codable {
    /// Exchange Server 2019 CU14 on premises: Basic and NTLM, the ApplicationImpersonation role.
    case onPremises = "exchange-onprem"

    /// The `ServerVersionInfo` this flavor reports.
    var serverVersion: (major: Int, minor: Int, build: Int, revision: Int, version: String) {
        switch self {
        case .onPremises: return (15, 2, 1544, 4, "V2017_07_11")
        }
    }

    /// What `WWW-Authenticate` offers on a 401, in Exchange's order.
    var authenticateChallenges: [String] {
        switch self {
        case .onPremises: return ["Negotiate", "NTLM"]
        }
    }
}
