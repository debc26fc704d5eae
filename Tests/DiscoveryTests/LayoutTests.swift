import Discovery
import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// Each simulator layout, discovered through the real transport: the harness must report it as
/// a client would experience it.
@Suite("Autodiscover layouts", .serialized)
struct LayoutTests {
    static let ews = "https://mail.contoso.com/EWS/Exchange.asmx"

    @Test("root-domain: POX, SOAP and v2 answer on contoso.com; autodiscover.contoso.com is not offered")
    func rootDomain() async throws {
        try await LayoutHarness.with(.rootDomain) { h in
            let report = await h.discover()
            #expect(report.summary["pox.root-domain"] == "found")
            #expect(report.summary["pox.autodiscover-host"] == "not-offered")
            #expect(report.summary["soap.root-domain"] == "found")
            #expect(report.summary["v2.root-domain"] == "found")
            #expect(report.ewsURL == Self.ews)
            #expect(report.foundBy == "pox.root-domain")
            #expect(report.methodsAgree)
            let hop = try #require(report.probe("pox.root-domain")?.hops.first)
            #expect(hop.verb == "POST" && hop.status == 200 && hop.outcome == .settings && hop.authenticated)
            #expect(hop.exchangeID.map { id in report.exchanges.contains { $0.id == id } } == true)
            let tls = try #require(hop.tls)
            #expect(tls.verified)
            #expect(tls.protocolIsModern == true, "negotiated \(tls.protocolVersion ?? "nil")")
            // libcurl and the simulator agree on TLS 1.3: its suites are named TLS_….
            #expect(tls.protocolVersion == "TLSv1.3" && tls.cipher?.hasPrefix("TLS_") == true, "\(tls.summary), cipher \(tls.cipher ?? "nil")")
            #expect(tls.subjectAltNames.contains("DNS:contoso.com"))
            #expect(report.probe("pox.autodiscover-host")?.hops.first?.status == 404)
        }
    }

    @Test("autodiscover-host: only autodiscover.contoso.com answers")
    func autodiscoverHost() async throws {
        try await LayoutHarness.with(.autodiscoverHost) { h in
            let report = await h.discover()
            #expect(report.summary["pox.root-domain"] == "not-offered")
            #expect(report.summary["pox.autodiscover-host"] == "found")
            #expect(report.summary["soap.autodiscover-host"] == "found")
            #expect(report.foundBy == "pox.autodiscover-host")
            #expect(report.ewsURL == Self.ews)
        }
    }

    @Test("http-redirect: an unauthenticated GET over http, a 302 to https, then POX with credentials")
    func httpRedirect() async throws {
        try await LayoutHarness.with(.httpRedirect) { h in
            let report = await h.discover()
            let overHTTP = h.credentialsOverHTTP
            let plain = h.simulator.requestLog.filter { !$0.tls }
            #expect(report.summary["pox.root-domain"] == "not-offered")
            #expect(report.summary["pox.autodiscover-host"] == "not-offered")
            let probe = try #require(report.probe("http-redirect"))
            #expect(probe.conclusion == .found, "\(probe.reason)")
            #expect(probe.ewsURL == Self.ews)
            #expect(probe.hops.map(\.verb) == ["GET", "POST"])
            #expect(probe.hops.first?.url == "http://autodiscover.contoso.com/autodiscover/autodiscover.xml")
            #expect(probe.hops.first?.authenticated == false)
            #expect(probe.hops.first?.status == 302)
            #expect(probe.hops.last?.url == "https://mail.contoso.com/autodiscover/autodiscover.xml")
            #expect(report.foundBy == "http-redirect")
            #expect(!plain.isEmpty, "the lookup reached the plain-HTTP listener")
            #expect(overHTTP.isEmpty, "credentials went over plain http: \(overHTTP)")
        }
    }

    @Test("redirect-addr-chain: two redirectAddr hops, then settings for the mailbox")
    func redirectAddrChain() async throws {
        try await LayoutHarness.with(.redirectAddrChain) { h in
            let report = await h.discover()
            let probe = try #require(report.probe("pox.root-domain"))
            #expect(probe.conclusion == .found, "\(probe.reason)")
            #expect(probe.hops.filter { $0.outcome == .redirectAddress }.map(\.detail)
                    == ["redirectAddr alice@mail.contoso.com", "redirectAddr alice.mailbox@mail.contoso.com"])
            #expect(probe.finalAddress == "alice@contoso.com")
            #expect(probe.ewsURL == Self.ews)
            #expect(report.probe("soap.root-domain")?.conclusion == .found)
        }
    }

    @Test("redirect-loop: the address loop is detected and reported, not followed forever")
    func redirectLoop() async throws {
        try await LayoutHarness.with(.redirectLoop) { h in
            let report = await h.discover(methods: [.pox, .soap])
            for id in ["pox.root-domain", "pox.autodiscover-host", "soap.root-domain"] {
                let probe = try #require(report.probe(id))
                #expect(probe.conclusion == .failed, "\(id): \(probe.reason)")
                #expect(probe.flags.contains("redirect-loop"), "\(id): \(probe.flags)")
                #expect(probe.reason.contains("redirect loop"))
            }
            #expect(report.ewsURL == nil)
        }
    }

    @Test("redirect-to-http: the http URL is refused and reported; no credential reaches plain http")
    func redirectToHTTP() async throws {
        try await LayoutHarness.with(.redirectToHTTP) { h in
            let report = await h.discover()
            let overHTTP = h.credentialsOverHTTP
            for id in ["pox.root-domain", "pox.autodiscover-host", "soap.root-domain", "v2.autodiscover-host"] {
                let probe = try #require(report.probe(id))
                #expect(probe.conclusion == .failed, "\(id): \(probe.reason)")
                #expect(probe.flags.contains("non-https-refused"), "\(id): \(probe.flags)")
                #expect(probe.hops.last?.outcome == .refused)
                #expect(probe.hops.last?.url.hasPrefix("http://mail.contoso.com/") == true)
            }
            #expect(overHTTP.isEmpty, "credentials went over plain http: \(overHTTP)")
        }
    }

    @Test("foreign-domain-redirect: refused and flagged by default")
    func foreignDomainRefused() async throws {
        try await LayoutHarness.with(.foreignDomainRedirect) { h in
            let report = await h.discover(methods: [.pox])
            let probe = try #require(report.probe("pox.root-domain"))
            #expect(probe.conclusion == .failed)
            #expect(probe.flags.contains("cross-domain") && probe.flags.contains("cross-domain-refused"))
            #expect(probe.hops.first?.status == 302)
            #expect(probe.hops.last?.url == "https://autodiscover.fabrikam.example/autodiscover/autodiscover.xml")
            #expect(report.ewsURL == nil)
        }
    }

    @Test("foreign-domain-redirect: followed when allowed, and still flagged")
    func foreignDomainAllowed() async throws {
        try await LayoutHarness.with(.foreignDomainRedirect) { h in
            let report = await h.discover(methods: [.pox], allowCrossDomain: true)
            let probe = try #require(report.probe("pox.root-domain"))
            #expect(probe.conclusion == .found, "\(probe.reason)")
            #expect(probe.flags.contains("cross-domain"))
            #expect(!probe.flags.contains("cross-domain-refused"))
            #expect(probe.hops.map(\.status) == [302, 200])
        }
    }

    @Test("foreign-ews-url: an EWS URL on another domain is flagged and not used, and nothing is sent there")
    func foreignEWSURLRefused() async throws {
        try await LayoutHarness.with(.foreignEWSURL) { h in
            let report = await h.discover(methods: [.pox, .soap, .v2])
            let foreign = h.simulator.requestLog.filter { ($0.host ?? "").hasPrefix("mail.fabrikam.example") }
            #expect(report.ewsURL == nil)
            for id in ["pox.root-domain", "soap.root-domain", "v2.root-domain"] {
                let probe = try #require(report.probe(id))
                #expect(probe.conclusion == .failed, "\(id): \(probe.reason)")
                #expect(probe.flags.contains("cross-domain-ews-url") && probe.flags.contains("cross-domain-refused"), "\(id): \(probe.flags)")
                #expect(probe.reason.contains("mail.fabrikam.example") && probe.reason.contains("no credentials"), "\(probe.reason)")
            }
            #expect(foreign.isEmpty, "requests reached the foreign host: \(foreign.map(\.path))")
        }
    }

    @Test("foreign-ews-url: used when cross-domain answers are allowed, and still flagged")
    func foreignEWSURLAllowed() async throws {
        try await LayoutHarness.with(.foreignEWSURL) { h in
            let report = await h.discover(methods: [.pox], allowCrossDomain: true)
            let probe = try #require(report.probe("pox.root-domain"))
            #expect(probe.conclusion == .found, "\(probe.reason)")
            #expect(probe.flags.contains("cross-domain-ews-url"))
            #expect(!probe.flags.contains("cross-domain-refused"))
            #expect(report.ewsURL == "https://mail.fabrikam.example/EWS/Exchange.asmx")
        }
    }

    @Test("expired-certificate: every https hop fails TLS, and the facts say why")
    func expiredCertificate() async throws {
        try await LayoutHarness.with(.expiredCertificate) { h in
            let report = await h.discover(methods: [.pox])
            let probe = try #require(report.probe("pox.root-domain"))
            #expect(probe.conclusion == .failed)
            let hop = try #require(probe.hops.first)
            #expect(hop.outcome == .tlsFailed)
            let tls = try #require(hop.tls)
            #expect(!tls.verified)
            #expect(tls.verifyResult == 10, "OpenSSL X509_V_ERR_CERT_HAS_EXPIRED; got \(String(describing: tls.verifyResult)) \(tls.verifyError ?? "")")
            #expect(tls.notAfter != nil && tls.subject != nil, "the certificate that failed is still described")
            #expect(tls.problems.contains { $0.contains("expired") })
        }
    }

    @Test("wrong-host-certificate: contoso.com and autodiscover.contoso.com fail the name check; mail.contoso.com verifies")
    func wrongHostCertificate() async throws {
        try await LayoutHarness.with(.wrongHostCertificate) { h in
            let report = await h.discover(methods: [.pox, .httpRedirect])
            for id in ["pox.root-domain", "pox.autodiscover-host"] {
                let probe = try #require(report.probe(id))
                #expect(probe.conclusion == .failed, "\(id): \(probe.reason)")
                #expect(probe.hops.first?.outcome == .tlsFailed)
                let tls = try #require(probe.hops.first?.tls)
                #expect(!tls.verified)
                #expect(tls.subjectAltNames.contains("DNS:mail.contoso.com") && !tls.subjectAltNames.contains("DNS:contoso.com"))
            }
        }
    }
}
