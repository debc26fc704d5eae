import EWSProtocol
import EWSSimulator
import EWSTransport
import Foundation

/// A target file and an EWS client for a running simulator, as the end-to-end tests need them.
package enum SimulatorTarget {
    /// Writes `<dir>/target.yaml` (Basic auth, password in `<dir>/pw`, the simulator's CA, a host pin)
    /// and returns its path.
    package static func write(for sim: Simulator, in dir: String, concurrency: Int = 4, extra: String = "") throws -> String {
        try Data(sim.serviceAccountPassword.utf8).write(to: URL(fileURLWithPath: dir + "/pw"))
        try Data(contentsOf: URL(fileURLWithPath: sim.caFile)).write(to: URL(fileURLWithPath: dir + "/ca.pem"))
        let path = dir + "/target.yaml"
        try """
            ews_url: "\(sim.ewsURL)"
            service_account: {username: "\(sim.serviceAccount)", auth: basic, password_file: pw}
            mailboxes: [\(sim.mailboxesInScope.joined(separator: ", "))]
            tls: {ca_file: ca.pem}
            host_pins: ["mail.\(sim.configuration.domain):\(sim.port):127.0.0.1"]
            concurrency: \(concurrency)
            \(extra)
            """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A client that talks to the simulator as its service account (Basic over verified TLS).
    package static func client(for sim: Simulator) -> (EWSClient, HTTPTransport) {
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(
            credentials: .basic(user: sim.serviceAccount, password: Secret(sim.serviceAccountPassword)),
            tls: .init(verify: true, caFile: sim.caFile),
            hostPins: [HostPin(host: "mail.\(sim.configuration.domain)", port: sim.port, address: "127.0.0.1")], connections: 2))
        return (EWSClient(transport: transport, configuration: .init(url: sim.ewsURL)), transport)
    }
}
