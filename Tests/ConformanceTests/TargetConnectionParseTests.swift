@testable import Conformance
import EWSTransport
import Foundation
import Testing

/// `timeouts:`, `proxy:` and `tls.client_certificate` in the target file, and the transport
/// settings a target makes from them.
@Suite struct TargetConnectionParseTests {
    static let base = """
        ews_url: https://mail.contoso.com/EWS/Exchange.asmx
        service_account: {username: svc, password_env: PW}
        mailboxes: [a@contoso.com]
        """

    @Test("without the keys: 10 s connect, 60 s request, 3600 s overall, no proxy, no client certificate")
    func defaults() throws {
        let t = try TargetConfiguration.parse(yaml: Self.base, baseDirectory: "/etc/ewscheck")
        #expect(t.timeout.connect == 10)
        #expect(t.timeout.request == 60)
        #expect(t.overallTimeout == 3600)
        #expect(t.proxy == .none)
        let transport = t.transportConfiguration()
        #expect(transport.proxy == .none)
        #expect(transport.timeout == HTTPTransportConfiguration.Timeout(connect: 10, request: 60))
        #expect(transport.tls.clientCertificateFile == nil)
    }

    @Test("the keys reach the transport; relative certificate paths are taken from the file's folder")
    func parsed() throws {
        let yaml = Self.base + """

            timeouts: {connect: 2.5, request: 30, overall: 600}
            proxy: http://proxy.contoso.com:3128
            tls: {client_certificate: certs/client.pem, client_key: /secure/client.key}
            """
        let t = try TargetConfiguration.parse(yaml: yaml, baseDirectory: "/etc/ewscheck")
        let transport = t.transportConfiguration(connections: 3)
        #expect(transport.timeout.connect == 2.5)
        #expect(transport.timeout.request == 30)
        #expect(t.overallTimeout == 600)
        #expect(transport.proxy == .url("http://proxy.contoso.com:3128"))
        #expect(transport.tls.clientCertificateFile == "/etc/ewscheck/certs/client.pem")
        #expect(transport.tls.clientKeyFile == "/secure/client.key")
        #expect(transport.connections == 3)
        #expect(try TargetConfiguration.parse(yaml: Self.base + "\nproxy: environment", baseDirectory: "/").proxy == .environment)
    }

    @Test("bad values are refused with the key and line", arguments: [
        ("timeouts: {connect: 0}", "timeouts.connect"),
        ("timeouts: {request: -5}", "timeouts.request"),
        ("timeouts: {overall: soon}", "timeouts.overall"),
        ("timeouts: {idle: 5}", "unknown key 'idle'"),
        ("proxy: proxy.contoso.com:3128", "not a proxy URL"),
        ("tls: {client_key: k.pem}", "tls.client_key needs tls.client_certificate"),
    ])
    func refused(_ extra: String, _ expected: String) {
        #expect {
            _ = try TargetConfiguration.parse(yaml: Self.base + "\n" + extra, baseDirectory: "/")
        } throws: { error in
            (error as? TargetFileError)?.message.contains(expected) == true
        }
    }

    @Test("an IPv6 literal EWS URL is accepted")
    func ipv6URL() throws {
        let yaml = Self.base.replacingOccurrences(of: "https://mail.contoso.com/", with: "https://[2001:db8::1]:8443/")
        let t = try TargetConfiguration.parse(yaml: yaml, baseDirectory: "/")
        #expect(t.ewsURL == "https://[2001:db8::1]:8443/EWS/Exchange.asmx")
        #expect(ProviderContact.host(of: t.ewsURL) == "2001:db8::1")
    }
}
