import Discovery
import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation

/// A simulator in one Autodiscover layout, and a transport that reaches every name it plays
/// (contoso.com, autodiscover.contoso.com, mail.contoso.com, autodiscover.fabrikam.example) on
/// ports 443 and 80 through connect-to pins, as `ewscheck discover --connect-to` does.
struct LayoutHarness {
    let simulator: Simulator
    let transport: HTTPTransport

    static let names = ["contoso.com", "autodiscover.contoso.com", "mail.contoso.com", "autodiscover.fabrikam.example", "mail.fabrikam.example"]

    static func start(_ layout: AutodiscoverLayout, flavor: SimulatorFlavor = .onPremises) async throws -> LayoutHarness {
        var config = SimulatorConfiguration()
        config.flavor = flavor
        config.autodiscoverLayout = layout
        config.stateDirectory = try Fixtures.temporaryDirectory("disc")
        let simulator = try await Simulator.start(config)
        return LayoutHarness(simulator: simulator, transport: HTTPTransport(configuration: transportConfiguration(simulator)))
    }

    static func pins(_ simulator: Simulator) -> [HostPin] {
        names.flatMap { name in
            [HostPin(host: name, port: 443, address: "127.0.0.1", connectPort: simulator.port),
             HostPin(host: name, port: 80, address: "127.0.0.1", connectPort: simulator.httpPort)]
        }
    }

    static func transportConfiguration(_ simulator: Simulator) -> HTTPTransportConfiguration {
        HTTPTransportConfiguration(
            credentials: .basic(user: simulator.serviceAccount, password: Secret(simulator.serviceAccountPassword)),
            tls: .init(verify: true, caFile: simulator.caFile),
            timeout: .init(connect: 5, request: 20), hostPins: pins(simulator), connections: 2)
    }

    func discover(_ address: String = "alice@contoso.com", methods: [DiscoveryMethod] = [.pox, .httpRedirect, .soap, .v2],
                  allowCrossDomain: Bool = false) async -> DiscoveryReport {
        let engine = AutodiscoverEngine(transport: transport, configuration: DiscoveryConfiguration(
            methods: methods, allowCrossDomainRedirect: allowCrossDomain))
        return await engine.discover(address)
    }

    func stop() async {
        transport.shutdown()
        await simulator.shutdown()
    }

    /// Runs `body` with a harness for `layout`, and awaits its stop afterwards, returned or thrown.
    static func with<R>(_ layout: AutodiscoverLayout, flavor: SimulatorFlavor = .onPremises,
                        _ body: (LayoutHarness) async throws -> R) async throws -> R {
        try await withFixture({ try await start(layout, flavor: flavor) }, stop: { await $0.stop() }, body)
    }

    /// Requests that reached the plain-HTTP listener with an Authorization header: must stay empty.
    var credentialsOverHTTP: [SimulatorRequestRecord] { simulator.requestLog.filter { !$0.tls && $0.authScheme != nil } }
}

extension DiscoveryReport {
    /// `id: conclusion` for every probe, for readable expectations.
    var summary: [String: String] {
        Dictionary(uniqueKeysWithValues: probes.map { ($0.id, $0.conclusion.rawValue) })
    }
}
