import Foundation

/// How the simulated provider publishes Autodiscover: each layout is one way real hosters do it
/// (or get it wrong). Host names below are for the domain `contoso.com`; every name reaches the
/// same listeners through host pins, and the Host header tells them apart.
package enum AutodiscoverLayout: String, Sendable, CaseIterable, Codable {
    /// Every host answers POX, SOAP and v2 (the simulator's behaviour before layouts existed).
    case standard
    /// Only `https://contoso.com/autodiscover/…` answers; `autodiscover.contoso.com` gives 404.
    case rootDomain = "root-domain"
    /// Only `https://autodiscover.contoso.com/autodiscover/…` answers; the bare domain gives 404.
    case autodiscoverHost = "autodiscover-host"
    /// Neither answers over https; `http://autodiscover.contoso.com/autodiscover/autodiscover.xml`
    /// redirects (302) to `https://mail.contoso.com/autodiscover/autodiscover.xml`, which answers.
    case httpRedirect = "http-redirect"
    /// Neither answers; only the SRV record `_autodiscover._tcp.contoso.com` (served by a DNS
    /// server, not the simulator) leads to `mail.contoso.com`, which answers.
    case srvOnly = "srv-only"
    /// POX and SOAP answer redirectAddr twice: `alice@contoso.com` → `alice@mail.contoso.com` →
    /// `alice.mailbox@mail.contoso.com`, which gets the settings.
    case redirectAddrChain = "redirect-addr-chain"
    /// redirectAddr back and forth: `alice@contoso.com` → `alice@mail.contoso.com` → `alice@contoso.com`.
    case redirectLoop = "redirect-loop"
    /// `contoso.com` and `autodiscover.contoso.com` redirect (POX/SOAP redirectUrl, v2 302) to
    /// plain `http://mail.contoso.com/…`.
    case redirectToHTTP = "redirect-to-http"
    /// `contoso.com` and `autodiscover.contoso.com` answer HTTP 302 to
    /// `https://autodiscover.fabrikam.example/…` (another domain), which answers.
    case foreignDomainRedirect = "foreign-domain-redirect"
    /// Every host answers, but the settings name an EWS URL on another domain
    /// (`https://mail.fabrikam.example/EWS/Exchange.asmx`): credentials must not follow it unasked.
    case foreignEWSURL = "foreign-ews-url"
    /// Every host answers, but the certificate expired yesterday.
    case expiredCertificate = "expired-certificate"
    /// The certificate covers only `mail.contoso.com`: `contoso.com` and `autodiscover.contoso.com`
    /// present a certificate for another name.
    case wrongHostCertificate = "wrong-host-certificate"

    /// The other domain of ``foreignDomainRedirect``.
    package static let foreignDomain = "fabrikam.example"

    /// Names the certificate must cover besides the domain's usual ones.
    func extraHostnames(domain: String) -> [String] {
        switch self {
        case .foreignDomainRedirect: return ["autodiscover.\(Self.foreignDomain)", Self.foreignDomain]
        case .foreignEWSURL: return ["mail.\(Self.foreignDomain)"]
        default: return []
        }
    }

    /// Names the certificate must leave out.
    func excludedHostnames(domain: String) -> Set<String> {
        self == .wrongHostCertificate ? [domain, "autodiscover.\(domain)"] : []
    }
}

extension AutodiscoverLayout {
    /// The names the server certificate covers in this layout.
    func certificateNames(_ names: [String], domain: String) -> [String] {
        let excluded = excludedHostnames(domain: domain)
        return names.filter { !excluded.contains($0.lowercased()) }
    }

    /// When the server certificate expired, for the expired-certificate layout (yesterday); nil otherwise.
    var serverCertificateNotAfter: Date? { self == .expiredCertificate ? Date().addingTimeInterval(-86400) : nil }
}
