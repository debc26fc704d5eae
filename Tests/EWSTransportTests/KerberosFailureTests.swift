@testable import EWSTransport
import Testing

/// Kerberos failures get a name and a remedy from MIT's code or, through SPNEGO (whose codes MIT's
/// mechglue renumbers), from its error-table text. Clock skew cannot be produced on one machine,
/// so its mapping is checked here.
@Suite("Kerberos failures: named, with a remedy")
struct KerberosFailureTests {
    @Test("krb5 error codes map to causes")
    func codes() {
        #expect(GSS.cause(ofMinor: -1765328347) == .clockSkew)              // KRB5KRB_AP_ERR_SKEW
        #expect(GSS.cause(ofMinor: -1765328377) == .unknownServicePrincipal) // KRB5KDC_ERR_S_PRINCIPAL_UNKNOWN
        #expect(GSS.cause(ofMinor: -1765328360) == .wrongPassword)          // KRB5KDC_ERR_PREAUTH_FAILED
        #expect(GSS.cause(ofMinor: 100005) == nil)                          // a mechglue number says nothing by itself
    }

    @Test("MIT's texts map to the same causes when the code was renumbered")
    func texts() {
        #expect(GSS.cause(ofText: "Unspecified GSS failure: Clock skew too great") == .clockSkew)
        #expect(GSS.cause(ofText: "Server HTTP/x.contoso.com@CONTOSO.COM not found in Kerberos database") == .unknownServicePrincipal)
        #expect(GSS.cause(ofText: "Client 'a@CONTOSO.COM' not found in Kerberos database") == .unknownClient)
        #expect(GSS.cause(ofText: "Client's credentials have been revoked") == .clientDisabled)
        #expect(GSS.cause(ofText: "something else entirely") == nil)
    }

    @Test("The description carries stage, text, cause and remedy")
    func description() {
        let skew = KerberosFailure(stage: "accepting", message: "Clock skew too great", cause: .clockSkew)
        #expect(skew.description.contains("[clock-skew]") && skew.description.contains("NTP"))
        let spn = KerberosFailure(stage: "getting a service ticket", message: "not found", cause: .unknownServicePrincipal)
        #expect(spn.remedy?.contains("setspn -S HTTP/<host>") == true)
        #expect(KerberosFailure(stage: "s", message: "m", cause: nil).description == "s: m")
    }

    @Test("Mechanism OIDs decode, the legacy Microsoft Kerberos OID included")
    func mechanisms() {
        #expect(GSSMechanism(oidBytes: [0x2A, 0x86, 0x48, 0x86, 0xF7, 0x12, 0x01, 0x02, 0x02]) == .kerberos5)
        #expect(GSSMechanism(oidBytes: [0x2A, 0x86, 0x48, 0x82, 0xF7, 0x12, 0x01, 0x02, 0x02]) == .kerberos5)
        #expect(GSSMechanism(oidBytes: [0x2B, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0A]) == .ntlm)
        #expect(GSSMechanism(oidBytes: [0x2B, 0x06, 0x01, 0x05, 0x05, 0x0E]).oid == "1.3.6.1.5.5.14")
    }
}
