@testable import Conformance
import EWSProtocol
import EWSSimulator
import EWSTestSupport
import EWSTransport
import Foundation
import Testing

/// `ews.wsdl.service-address` and `ews.schema.responses-valid` (issue 10 point 8, issue 13 point 1):
/// the provider's own WSDL and schemas, each deviation failing with its own words.
@Suite("The provider's WSDL and schemas: the service address and every response validated")
struct ProviderSchemaChecksTests {
    /// Runs the whole suite against `simulator` with `options` adjusted.
    private static func run(_ simulator: Simulator, target: TargetConfiguration? = nil,
                            adjust: (inout RunOptions) -> Void = { _ in }) async throws -> RunReport {
        let target = target ?? .simulated(simulator)
        var warnings: [String] = []
        let credentials = try target.credentials(environment: [passwordVariable: simulator.serviceAccountPassword], warnings: &warnings)
        var options = RunOptions(runID: RunOptions.makeRunID())
        adjust(&options)
        return await SuiteRunner(target: target, credentials: credentials, options: options, warnings: warnings).run()
    }

    @Test("a healthy provider: the WSDL names the EWS host and every response is valid against the schemas it serves")
    func healthyProvider() async throws {
        try await LiveSimulator.with { simulator in
            let report = try await Self.run(simulator)
            let wsdl = try report.result(CheckCatalog.wsdlServiceAddress)
            #expect(wsdl.outcome == .passed, "\(wsdl.message)")
            #expect(wsdl.message.contains("on mail.contoso.com"), "\(wsdl.message)")
            let schema = try report.result(CheckCatalog.schemaResponsesValid)
            #expect(schema.outcome == .passed, "\(schema.message)")
            #expect(schema.facts["schema_source"] == "provider")
            #expect(schema.message.contains("the provider's own schemas"), "\(schema.message)")
            #expect(Int(schema.facts["validated"] ?? "") ?? 0 > 100, "\(schema.facts)")
            // The fetches are evidence, and the schema check is recorded after the cleanup.
            #expect(report.evidence.contains { $0.url.hasSuffix("/EWS/Services.wsdl") })
            #expect(report.evidence.contains { $0.url.hasSuffix("/EWS/messages.xsd") } && report.evidence.contains { $0.url.hasSuffix("/EWS/types.xsd") })
            #expect(!schema.evidence.isEmpty)
            #expect(report.results.filter { $0.outcome != .passed }.isEmpty,
                    "\(report.results.filter { $0.outcome != .passed }.map { "\($0.displayName): \($0.message)" })")
        }
    }

    @Test("schema-violating-response: the validation fails naming the exchange, the element's path and libxml2's message; everything else passes")
    func schemaViolatingResponse() async throws {
        try await LiveSimulator.with(quirks: [.schemaViolatingResponse]) { simulator in
            let report = try await Self.run(simulator)
            let schema = try report.result(CheckCatalog.schemaResponsesValid)
            #expect(schema.outcome == .failed, "\(schema.message)")
            let exchange = try #require(schema.facts["first_violation_exchange"].flatMap(Int.init))
            #expect(schema.message.hasPrefix("exchange #\(exchange) (GetFolderResponse) is not valid against the provider's own schemas"), "\(schema.message)")
            #expect(schema.message.contains("m:GetFolderResponseMessage/m:HostingNote"), "\(schema.message)")
            #expect(schema.message.contains("HostingNote': This element is not expected"), "\(schema.message)")
            #expect(schema.evidence.contains(exchange), "the invalid response is cited")
            #expect(report.evidence.first { $0.id == exchange }?.responseBody.contains("<m:HostingNote>") == true)
            // Recommended: the run still conforms, and no other check is disturbed by the extra element.
            #expect(schema.level == .recommended)
            #expect(report.exitCode == 0)
            let others = report.results.filter { $0.id != CheckCatalog.schemaResponsesValid && $0.outcome != .passed }
            #expect(others.isEmpty, "\(others.map { "\($0.displayName): \($0.message)" })")
        }
    }

    @Test("no-served-schemas: the reference schemas for the server's version stand in, and the result says so; the WSDL check is skipped")
    func noServedSchemas() async throws {
        try await LiveSimulator.with(quirks: [.noServedSchemas]) { simulator in
            let report = try await Self.run(simulator)
            let schema = try report.result(CheckCatalog.schemaResponsesValid)
            #expect(schema.outcome == .passed, "\(schema.message)")
            #expect(schema.facts["schema_source"] == "reference v2017", "\(schema.facts)")
            #expect(schema.facts["schema_fallback"]?.contains("the provider serves no schemas (messages.xsd: HTTP 404; types.xsd: HTTP 404)") == true, "\(schema.facts)")
            #expect(schema.message.contains("valid against the reference schemas v2017 (the provider serves no schemas"), "\(schema.message)")
            #expect(schema.message.contains("chosen for ServerVersionInfo V2017_07_11"), "\(schema.message)")
            let wsdl = try report.result(CheckCatalog.wsdlServiceAddress)
            #expect(wsdl.outcome == .skipped, "\(wsdl.message)")
            #expect(wsdl.message.contains("the provider serves no WSDL"), "\(wsdl.message)")
            #expect(wsdl.message.contains("Exchange.asmx?wsdl: HTTP 404"), "both places were asked: \(wsdl.message)")
            #expect(report.exitCode == 0)
        }
    }

    @Test("no served schemas and no reference schemas: the validation is skipped with that reason, not failed")
    func noSchemaAtAll() async throws {
        try await LiveSimulator.with(quirks: [.noServedSchemas]) { simulator in
            let report = try await Self.run(simulator) { $0.referenceSchemas = nil }
            let schema = try report.result(CheckCatalog.schemaResponsesValid)
            #expect(schema.outcome == .skipped, "\(schema.message)")
            #expect(schema.message.contains("the provider serves no schemas"), "\(schema.message)")
            #expect(schema.message.contains("reference schemas (../shared/ews-schemas/v2017) are not available"), "\(schema.message)")
            #expect(report.exitCode == 0)
        }
    }

    @Test("wsdl-foreign-address: the check fails naming the foreign host, and the trap listener on that host is never contacted")
    func wsdlForeignAddress() async throws {
        let trap = try RawServer { _ in "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"trap\"\r\nContent-Length: 0\r\n\r\n" }
        defer { trap.stop() }
        let foreignHost = "ews.fabrikam-outsourcing.example"
        try await LiveSimulator.with(quirks: [.wsdlForeignAddress], configure: {
            $0.wsdlForeignAddress = "http://\(foreignHost):\(trap.port)/EWS/Exchange.asmx"
        }) { simulator in
            // The harness could reach the trap if it ever followed the address: the host is pinned to it.
            var target = TargetConfiguration.simulated(simulator)
            target.hostPins.append(HostPin(host: foreignHost, port: trap.port, address: "127.0.0.1"))
            let report = try await Self.run(simulator, target: target)
            let wsdl = try report.result(CheckCatalog.wsdlServiceAddress)
            #expect(wsdl.outcome == .failed, "\(wsdl.message)")
            #expect(wsdl.message.contains("names the service address http://\(foreignHost):\(trap.port)/EWS/Exchange.asmx, on \(foreignHost), a host not allowed to receive the run's credentials (allowed: mail.contoso.com)"), "\(wsdl.message)")
            #expect(wsdl.facts["foreign_host"] == foreignHost)
            #expect(!wsdl.evidence.isEmpty)
            #expect(report.exitCode == 1, "required: a WSDL that sends clients' credentials elsewhere fails the run")
            // No request went there: not in the evidence, not at the trap.
            #expect(!report.evidence.contains { $0.url.contains(foreignHost) })
            #expect(trap.connections == 0, "the trap listener saw \(trap.requests)")
            #expect(!simulator.requestLog.contains { ($0.host ?? "").contains(foreignHost) })
            let others = report.results.filter { $0.id != CheckCatalog.wsdlServiceAddress && $0.outcome != .passed }
            #expect(others.isEmpty, "\(others.map { "\($0.displayName): \($0.message)" })")
        }
    }

    @Test("service addresses: empty and relative ones name no host, a foreign host is named, a non-http address is unusable")
    func serviceAddressClassification() {
        let allowed: (String) -> Bool = { $0 == "mail.contoso.com" }
        let empty = CheckContext.classifyServiceAddresses(["", "  "], mayReceive: allowed)
        #expect(empty.hosts.isEmpty && empty.foreign.isEmpty && empty.unusable.isEmpty)
        let relative = CheckContext.classifyServiceAddresses(["/EWS/Exchange.asmx"], mayReceive: allowed)
        #expect(relative.hosts.isEmpty && relative.foreign.isEmpty && relative.unusable.isEmpty)
        let own = CheckContext.classifyServiceAddresses(["https://MAIL.contoso.com:444/EWS/Exchange.asmx"], mayReceive: allowed)
        #expect(own.hosts == ["mail.contoso.com"] && own.foreign.isEmpty)
        let foreign = CheckContext.classifyServiceAddresses(["https://mail.contoso.com/EWS/Exchange.asmx", "http://ews.fabrikam.example/EWS/Exchange.asmx"], mayReceive: allowed)
        #expect(foreign.foreign.map(\.host) == ["ews.fabrikam.example"])
        let odd = CheckContext.classifyServiceAddresses(["ftp://mail.contoso.com/ews"], mayReceive: allowed)
        #expect(odd.unusable == ["ftp://mail.contoso.com/ews"])
    }

    @Test("the reference schemas follow the server's version: Exchange 2010 gets Exchange2010_SP2, anything newer v2017")
    func referenceSchemaVersion() {
        func info(_ major: Int?, _ version: String?) -> ServerVersionInfo {
            ServerVersionInfo(majorVersion: major, minorVersion: 0, majorBuildNumber: 0, minorBuildNumber: 0, version: version)
        }
        #expect(CheckContext.referenceSchemaVersion(for: info(14, "Exchange2010_SP2")) == "exchange2010sp2")
        #expect(CheckContext.referenceSchemaVersion(for: info(nil, "Exchange2010_SP1")) == "exchange2010sp2")
        #expect(CheckContext.referenceSchemaVersion(for: info(15, "V2017_07_11")) == "v2017")
        #expect(CheckContext.referenceSchemaVersion(for: info(15, "V2_23")) == "v2017")
        #expect(CheckContext.referenceSchemaVersion(for: nil) == "v2017")
    }

    @Test("served schemas that import anything but each other are refused before libxml2 compiles them")
    func foreignSchemaImportRefused() throws {
        let xsd = "http://www.w3.org/2001/XMLSchema"
        let messages = """
            <xs:schema xmlns:xs="\(xsd)" targetNamespace="\(EWSNamespace.messages)">\
            <xs:import namespace="\(EWSNamespace.types)" schemaLocation="types.xsd"/>\
            <xs:import namespace="urn:elsewhere" schemaLocation="http://schemas.fabrikam.example/extra.xsd"/></xs:schema>
            """
        let types = "<xs:schema xmlns:xs=\"\(xsd)\" targetNamespace=\"\(EWSNamespace.types)\"/>"
        func document(_ name: String, _ text: String) throws -> ProviderSchemas.Document {
            ProviderSchemas.Document(url: "https://mail.contoso.com/EWS/\(name)", tree: try XMLTree(parsing: Array(text.utf8)), bytes: Array(text.utf8))
        }
        let schemas = ProviderSchemas(wsdl: .init(url: "https://mail.contoso.com/EWS/Services.wsdl"),
                                      messages: try document("messages.xsd", messages), types: try document("types.xsd", types), exchanges: [])
        #expect(schemas.servesSchemas)
        #expect(throws: ProviderSchemas.Unusable.self) { _ = try schemas.validator() }
        do {
            _ = try schemas.validator()
        } catch {
            #expect("\(error)".contains("imports http://schemas.fabrikam.example/extra.xsd, which is not one of the served files"), "\(error)")
        }
    }

    @Test("the evidence's cut-short bodies are recognised and not validated")
    func truncatedBodies() {
        #expect(ResponseSchemaAudit.isTruncated("<s:Envelope>… [1234 more bytes]"))
        #expect(!ResponseSchemaAudit.isTruncated("<s:Envelope></s:Envelope>"))
        #expect(!ResponseSchemaAudit.isTruncated("text … [many more bytes]"))
    }
}
