extension CheckRegistry {
    /// Negotiate (Kerberos): the mechanism really negotiated, mutual authentication verified, and
    /// with must-fail checks a principal without rights refused. Only `auth: negotiate` runs have them.
    static let kerberosFamily: [Check] = [
        Check(.init(id: KerberosChecks.kerberos, title: "Negotiate uses Kerberos, with mutual authentication",
                    requirement: "A GET of the EWS URL with Authorization: Negotiate carrying a SPNEGO token with a Kerberos ticket for the server's SPN is answered 200 with WWW-Authenticate: Negotiate <token>, and that token completes the client's GSS-API context with Kerberos 5 as the negotiated mechanism (not NTLM).",
                    dependsOn: [CheckCatalog.endpointReachable], tags: ["kerberos"],
                    appliesWhen: "the target uses auth: negotiate"),
              applies: { $0.target.serviceAccount.auth == .negotiate }) { suite, _ in
            await suite.kerberosNegotiated()
        },
        Check(.init(id: KerberosChecks.wrongPrincipal, title: "A ticket of a principal that may not use EWS is refused",
                    requirement: "A valid Kerberos ticket of negative_controls.kerberos_principal (a principal of the realm with no right to EWS) is answered HTTP 401, not served.",
                    dependsOn: [KerberosChecks.kerberos], mustFail: true, tags: ["kerberos"],
                    appliesWhen: "--must-fail-auth with negotiate"),
              applies: { $0.target.mustFailAuth && $0.target.serviceAccount.auth == .negotiate }) { suite, _ in
            await suite.wrongPrincipalRefused()
        },
    ]
}
