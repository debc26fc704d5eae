@testable import Conformance
import ProviderManifest
import Testing

/// Which hosts besides the discovery domain may receive credentials.
@Suite("Discovery plan: credential hosts")
struct DiscoveryPlanTests {
    @Test("the target's EWS host and the profile's fixed-URL hosts may receive credentials; nothing else is added")
    func credentialHosts() {
        var target = TargetConfiguration(
            name: "t", ewsURL: "https://EWS.Hoster.example:8443/EWS/Exchange.asmx",
            serviceAccount: .init(username: "svc", auth: .basic, secret: .environment("UNUSED")), mailboxes: ["a@contoso.com"],
            outOfScopeMailbox: "x@fabrikam.example", nonexistentMailbox: "nobody@contoso.com")
        target.discovery = DiscoverySettings(address: "a@contoso.com")
        let listed: [ProviderManifest.DiscoveryMethod] = [
            .init(method: "pox"),
            .init(method: "fixed-url", urlTemplate: "https://mail.{domain}/EWS/Exchange.asmx"),
            .init(method: "fixed-url", urlTemplate: "https://outlook.office365.com/EWS/Exchange.asmx"),
        ]
        #expect(DiscoveryPlan.credentialHosts(target: target, listed: listed)
                == ["ews.hoster.example", "mail.contoso.com", "outlook.office365.com"])
        #expect(DiscoveryPlan.make(target: target, profile: nil).configuration.credentialHosts == ["ews.hoster.example"])
    }
}
