#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Conformance
import EWSSimulator
import Foundation

/// `ewscheck demo --auth negotiate`: a throwaway MIT KDC for the simulated organisation, the
/// simulator's Negotiate backed by its keytab, and the demo target switched to Kerberos.
enum DemoKerberos {
    /// Starts the KDC (its tickets living `ticketLifetime` seconds at most, when given), points this
    /// process's Kerberos library at it (`KRB5_CONFIG`, set before any Kerberos call), and gives the
    /// simulator its service keytab.
    static func start(_ configuration: inout SimulatorConfiguration, ticketLifetime: Int? = nil) async throws -> SimulatedKDC {
        guard configuration.flavor == .onPremises else {
            throw DemoKerberosError("--auth negotiate needs the exchange-onprem flavor (Exchange Online and the hoster offer no Negotiate)")
        }
        let password = "Demo-" + UUID().uuidString
        let kdc = try await SimulatedKDC.start(domain: configuration.domain, serviceAccountPassword: password, ticketLifetime: ticketLifetime)
        setenv("KRB5_CONFIG", kdc.configFile, 1)
        configuration.serviceAccountPassword = password
        configuration.kerberos = .init(keytab: kdc.serviceKeytab, realm: kdc.realm)
        return kdc
    }

    /// Starts the simulator for `demo` and `simulate`, with a KDC first when `kerberos` is set.
    /// Either failing is said on the console and ends the command with exit 2 (nothing left running).
    static func startSimulator(_ configuration: inout SimulatorConfiguration, kerberos: Bool, ticketLifetime: Int? = nil) async throws
        -> (Simulator, SimulatedKDC?) {
        var kdc: SimulatedKDC?
        if kerberos {
            do {
                kdc = try await start(&configuration, ticketLifetime: ticketLifetime)
            } catch {
                Console.err("ewscheck: the Kerberos KDC did not start: \(error)")
                throw ExitCode(ExitStatus.incomplete)
            }
        }
        do {
            return (try await Simulator.start(configuration), kdc)
        } catch {
            await kdc?.stop()
            Console.err("ewscheck: the simulator did not start: \(error)")
            throw ExitCode(ExitStatus.incomplete)
        }
    }

    /// Writes `kerberos.json` (paths and names only, never a key) for tools that use the realm.
    static func writeInfo(_ kdc: SimulatedKDC, directory: String) throws {
        let info: [String: Any] = [
            "realm": kdc.realm, "krb5_config": kdc.configFile, "kdc_port": kdc.port,
            "service_principal": kdc.servicePrincipal, "service_account_principal": kdc.serviceAccountPrincipal,
            "service_account_keytab": kdc.serviceAccountKeytab, "unmapped_principal": kdc.unmappedPrincipal,
            "unmapped_keytab": kdc.unmappedKeytab, "decoy_service_principal": kdc.decoyServicePrincipal,
        ]
        let data = try JSONSerialization.data(withJSONObject: info, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
        try data.write(to: URL(fileURLWithPath: directory + "/kerberos.json"), options: .atomic)
    }

    /// The demo target with the service account signing in by keytab, and the realm's unmapped
    /// principal as the wrong-principal negative control.
    static func apply(_ kdc: SimulatedKDC, to target: inout TargetConfiguration) {
        var account = TargetConfiguration.ServiceAccount(username: kdc.serviceAccountPrincipal, auth: .negotiate,
                                                         secret: .keytab(kdc.serviceAccountKeytab))
        account.kerberos = .init(wrongPrincipal: kdc.unmappedPrincipal, wrongPrincipalKeytab: kdc.unmappedKeytab)
        target.serviceAccount = account
        target.name += " (Negotiate: Kerberos realm \(kdc.realm))"
    }
}

/// Why the Kerberos demo cannot start.
struct DemoKerberosError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
