@testable import Conformance
import Foundation
import Testing

/// `auth: negotiate` in the target file: where the key comes from, the SPN, the negative control.
@Suite("TargetConfiguration: auth: negotiate")
struct KerberosTargetTests {
    static func parse(_ account: String, controls: String = "", url: String = "https://mail.contoso.com/EWS/Exchange.asmx") throws(TargetFileError) -> TargetConfiguration {
        try TargetConfiguration.parse(yaml: """
            ews_url: "\(url)"
            service_account: {\(account)}
            mailboxes: [alice@contoso.com]
            \(controls)
            """, baseDirectory: "/etc/ewscheck")
    }

    static func error(_ account: String, controls: String = "") -> String? {
        do {
            _ = try parse(account, controls: controls)
            return nil
        } catch {
            return error.message
        }
    }

    @Test("A keytab target: the principal's realm in capitals, the keytab path resolved, the SPN from the URL")
    func keytabTarget() throws {
        let t = try Self.parse("username: svc-ews@contoso.com, auth: negotiate, keytab_file: svc.keytab")
        #expect(t.serviceAccount.auth == .negotiate)
        #expect(t.serviceAccount.username == "svc-ews@CONTOSO.COM")
        #expect(t.serviceAccount.secret == .keytab("/etc/ewscheck/svc.keytab"))
        #expect(t.servicePrincipal == "HTTP/mail.contoso.com")
    }

    @Test("A password source works like kinit; the SPN override keeps its service part")
    func passwordAndSPN() throws {
        let t = try Self.parse("username: svc@CONTOSO.COM, auth: negotiate, password_env: KRB_PW, spn: http/mail.contoso.com")
        #expect(t.serviceAccount.secret == .environment("KRB_PW"))
        #expect(t.servicePrincipal == "http/mail.contoso.com")
    }

    @Test("Mistakes are named: no realm, no key source, two key sources, an SPN for another host, Kerberos keys on NTLM")
    func mistakesNamed() {
        #expect(Self.error("username: CONTOSO\\\\svc, auth: negotiate, keytab_file: k")?.contains("user@REALM") == true)
        #expect(Self.error("username: svc@CONTOSO.COM, auth: negotiate")?.contains("keytab_file, password_env or password_file") == true)
        #expect(Self.error("username: svc@CONTOSO.COM, auth: negotiate, keytab_file: k, password_env: X")?.contains("keep one") == true)
        let other = Self.error("username: svc@CONTOSO.COM, auth: negotiate, keytab_file: k, spn: HTTP/lb.contoso.com")
        #expect(other?.contains("host_pins") == true && other?.contains("lb.contoso.com") == true)
        #expect(Self.error("username: svc@contoso.com, auth: ntlm, password_env: X, keytab_file: k")?.contains("only used with auth: negotiate") == true)
    }

    @Test("The wrong-principal negative control needs a principal and its keytab, and only with negotiate")
    func negativeControl() throws {
        let t = try Self.parse("username: svc@CONTOSO.COM, auth: negotiate, keytab_file: k",
                               controls: "negative_controls: {kerberos_principal: nomailbox@CONTOSO.COM, kerberos_keytab_file: /k/n.keytab}")
        #expect(t.serviceAccount.kerberos?.wrongPrincipal == "nomailbox@CONTOSO.COM")
        #expect(t.serviceAccount.kerberos?.wrongPrincipalKeytab == "/k/n.keytab")
        #expect(Self.error("username: svc@CONTOSO.COM, auth: negotiate, keytab_file: k",
                           controls: "negative_controls: {kerberos_principal: n@CONTOSO.COM}")?.contains("both") == true)
        #expect(Self.error("username: svc@contoso.com, auth: ntlm, password_env: X",
                           controls: "negative_controls: {kerberos_principal: n@CONTOSO.COM, kerberos_keytab_file: k}")?.contains("only used with auth: negotiate") == true)
    }
}
