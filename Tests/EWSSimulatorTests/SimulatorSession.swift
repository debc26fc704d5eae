@testable import EWSProtocol
import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// Sends hand-written SOAP to a simulator and checks every answer against the EWS 2017 schema.
struct SimulatorSession {
    let simulator: Simulator
    let transport: HTTPTransport
    let validator: SchemaValidator

    static func start(quirks: Set<SimulatorQuirk> = [], password: String? = nil,
                      configure: (inout SimulatorConfiguration) -> Void = { _ in }) async throws -> SimulatorSession {
        let sim = try await Fixtures.simulator(quirks: quirks, password: password, configure: configure)
        let creds = HTTPCredentials.basic(user: sim.serviceAccount, password: Secret(sim.serviceAccountPassword))
        let transport = HTTPTransport(configuration: HTTPTransportConfiguration(
            credentials: creds, tls: .init(verify: true, caFile: sim.caFile),
            hostPins: [HostPin(host: "mail.contoso.com", port: sim.port, address: "127.0.0.1")], connections: 2))
        return SimulatorSession(simulator: sim, transport: transport,
                                validator: try SchemaValidator(schemaFile: Fixtures.ewsSchemaDirectory + "/messages.xsd"))
    }

    func stop() async {
        transport.shutdown()
        await simulator.shutdown()
    }

    /// Runs `body` with a started session and awaits its stop afterwards, whether `body` returned or threw.
    static func with(quirks: Set<SimulatorQuirk> = [], password: String? = nil,
                     configure: @escaping (inout SimulatorConfiguration) -> Void = { _ in },
                     _ body: (SimulatorSession) async throws -> Void) async throws {
        try await withFixture({ try await start(quirks: quirks, password: password, configure: configure) }, stop: { await $0.stop() }, body)
    }

    /// The answer to one request, already checked against the schema where EWS defines it.
    struct Answer {
        var status: Int
        var text: String
        var soap: SOAPResponse
        var body: XMLElement? { soap.bodyElement }
        var fault: SOAPFault? { soap.fault }

        /// ResponseCode of each response message.
        var codes: [String] {
            body?.child("ResponseMessages")?.children.map { $0.child("ResponseCode")?.text ?? "" } ?? []
        }
        var messages: [XMLElement] { body?.child("ResponseMessages")?.children ?? [] }
    }

    func envelope(_ body: String, impersonate: String? = nil, as idType: String = "PrimarySmtpAddress",
                  version: String? = "Exchange2013_SP1") -> String {
        var header = version.map { "<t:RequestServerVersion Version=\"\($0)\"/>" } ?? ""
        if let impersonate {
            header += "<t:ExchangeImpersonation><t:ConnectingSID><t:\(idType)>\(impersonate)</t:\(idType)></t:ConnectingSID></t:ExchangeImpersonation>"
        }
        return """
            <?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="\(EWSNamespace.soap)" xmlns:m="\(EWSNamespace.messages)" \
            xmlns:t="\(EWSNamespace.types)"><soap:Header>\(header)</soap:Header><soap:Body>\(body)</soap:Body></soap:Envelope>
            """
    }

    func send(_ xml: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Answer {
        let response = try await transport.send(HTTPRequest(method: "POST", url: simulator.ewsURL,
                                                            headers: [HTTPHeader("Content-Type", "text/xml; charset=utf-8")],
                                                            body: Array(xml.utf8)))
        let soap = try SOAPResponse(bytes: response.body)
        if let body = soap.bodyElement {
            let violations = validator.validate(body)
            #expect(violations.isEmpty, "response <\(body.name)> is not schema-valid: \(violations)", sourceLocation: sourceLocation)
            #expect(soap.serverVersion != nil || simulator.configuration.quirks.contains(.noServerVersionInfo),
                    "EWS responses carry ServerVersionInfo", sourceLocation: sourceLocation)
            #expect(response.status == 200, sourceLocation: sourceLocation)
        } else {
            #expect(response.status == 500, "faults come with HTTP 500", sourceLocation: sourceLocation)
        }
        if let header = try XMLTree(parsing: response.body).root?.child("Header")?.child("ServerVersionInfo") {
            #expect(validator.validate(header).isEmpty, sourceLocation: sourceLocation)
        }
        return Answer(status: response.status, text: response.text, soap: soap)
    }
}
