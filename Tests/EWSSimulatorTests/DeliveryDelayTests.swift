@testable import EWSProtocol
@testable import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// With a transport delay configured, sent mail reaches the recipient's Inbox later, not before
/// the send returns.
@Suite struct DeliveryDelayTests {
    @Test func mailArrivesAfterTheConfiguredDelay() async throws {
        var config = SimulatorConfiguration()
        config.stateDirectory = try Fixtures.temporaryDirectory("sim")
        config.schemaDirectory = Fixtures.ewsSchemaDirectory
        config.deliveryDelayMilliseconds = 2000
        try await withSimulator({ try await Simulator.start(config) }) { sim in
            let transport = HTTPTransport(configuration: HTTPTransportConfiguration(
                credentials: .basic(user: sim.serviceAccount, password: Secret(sim.serviceAccountPassword)),
                tls: .init(verify: true, caFile: sim.caFile),
                hostPins: [HostPin(host: "mail.contoso.com", port: sim.port, address: "127.0.0.1")], connections: 2))
            let s = SimulatorSession(simulator: sim, transport: transport,
                                     validator: try SchemaValidator(schemaFile: Fixtures.ewsSchemaDirectory + "/messages.xsd"))
            let started = Date()
            let sent = try await s.send(s.envelope(#"<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:Message><t:Subject>Later</t:Subject><t:ToRecipients><t:Mailbox><t:EmailAddress>alice@contoso.com</t:EmailAddress></t:Mailbox></t:ToRecipients></t:Message></m:Items></m:CreateItem>"#, impersonate: "bob@contoso.com"))
            let atOnce = sim.tenant.allItems().filter { $0.subject == "Later" }.count
            // On a loaded machine the send itself may take long; only a check made early proves anything.
            let checkedEarly = Date().timeIntervalSince(started) < 1.5
            var arrived: Date?
            if await sim.tenant.waitForStores(timeout: .seconds(8), until: { $0.allItems().contains { $0.subject == "Later" && $0.folder == "Inbox" } }) {
                arrived = Date()
            }
            #expect(sent.codes == ["NoError"])
            #expect(atOnce == 0 || !checkedEarly, "delivered before the delay")
            let waited = try #require(arrived).timeIntervalSince(started)
            #expect(waited >= 1.9)
            transport.shutdown()
        }
    }
}
