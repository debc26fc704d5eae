/// A GSS-API or Kerberos failure: the stage, MIT's own text, and where the cause is known, a
/// name and a remedy. Never holds a ticket, key or password.
package struct KerberosFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// A failure whose cause, and so its remedy, is known.
    package enum Cause: String, Sendable, Hashable {
        case clockSkew = "clock-skew"
        case unknownServicePrincipal = "unknown-service-principal"
        case wrongServiceKey = "wrong-service-key"
        case unknownClient = "unknown-client-principal"
        case wrongPassword = "wrong-password-or-key"
        case clientExpired = "client-expired"
        case passwordExpired = "password-expired"
        case clientDisabled = "client-disabled"
        case kdcUnreachable = "kdc-unreachable"
        case realmUnknown = "realm-unknown"
        case noCredentials = "no-credentials"
        case ticketExpired = "ticket-expired"
        case replay = "replay"
        case encryptionType = "encryption-type"
    }

    /// What was being done (`acquiring credentials for svc@CONTOSO.COM`, `accepting a Negotiate token`).
    package var stage: String
    /// MIT's text for the GSS major and the mechanism's minor status.
    package var message: String
    /// The known cause, if any.
    package var cause: Cause?
    /// The GSS major status.
    package var major: UInt32
    /// The mechanism's minor status (a krb5 error code for Kerberos).
    package var minor: Int32

    /// Creates a failure (the GSS wrappers make these; tests may too).
    package init(stage: String, message: String, cause: Cause?, major: UInt32 = 0, minor: Int32 = 0) {
        self.stage = stage
        self.message = message
        self.cause = cause
        self.major = major
        self.minor = minor
    }

    /// What to do about it, where the cause is known.
    package var remedy: String? {
        switch cause {
        case .clockSkew?:
            return "the clocks of this machine, the KDC and the server differ by more than the allowed skew (5 minutes by default): synchronise them with NTP (on Windows, w32tm /resync)"
        case .unknownServicePrincipal?:
            return "the KDC knows no service principal for this name: register it on the account the web server runs as (setspn -S HTTP/<host> <account>), or set service_account.kerberos.spn to the SPN that is registered"
        case .wrongServiceKey?:
            return "the ticket was encrypted for a key the server does not have: the SPN is registered on another account, or the server's keytab is stale (setspn -Q HTTP/<host> finds duplicates; re-export the keytab)"
        case .unknownClient?:
            return "the KDC knows no such user: check service_account.username (user@REALM, the realm in capitals)"
        case .wrongPassword?:
            return "the KDC refused the password or keytab key: check the secret, or re-export the keytab after a password change (kvno)"
        case .clientExpired?:
            return "the account has expired in the directory: extend its expiry"
        case .passwordExpired?:
            return "the account's password has expired: set a new one (and re-export the keytab)"
        case .clientDisabled?:
            return "the account is disabled or locked out in the directory: enable or unlock it"
        case .kdcUnreachable?:
            return "no KDC answered: check the [realms] kdc entries of krb5.conf (KRB5_CONFIG) or the _kerberos SRV records, and that port 88 is reachable"
        case .realmUnknown?:
            return "krb5.conf (KRB5_CONFIG) does not know this realm: add it under [realms] and map the host under [domain_realm]"
        case .noCredentials?:
            return "no Kerberos credentials: give service_account.kerberos.keytab or a password source"
        case .ticketExpired?:
            return "the ticket expired: the run renews its ticket before it ends, so check the clocks and the KDC's max ticket life"
        case .replay?:
            return "the server saw this authenticator before: a clock problem or a replay cache shared by two servers"
        case .encryptionType?:
            return "client, KDC and server share no encryption type: enable AES for the account (msDS-SupportedEncryptionTypes) and in krb5.conf"
        case nil:
            return nil
        }
    }

    package var description: String {
        var text = "\(stage): \(message)"
        if let cause { text += " [\(cause.rawValue)]" }
        if let remedy { text += "; remedy: \(remedy)" }
        return text
    }
}
