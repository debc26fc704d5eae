import EWSProtocol
import EWSTransport
import Foundation

/// The provider's own service description and schemas, fetched once per run from the EWS URL's
/// folder as Exchange serves them (`Services.wsdl`, or `Exchange.asmx?wsdl`; `messages.xsd`,
/// `types.xsd`), authenticated, through the run's transport. Every body goes through the one
/// hardened XML entry point (``XMLTree``: no DTD or entity declaration reaches libxml2, size,
/// depth and element limits). The WSDL's service address is read, never requested.
struct ProviderSchemas: Sendable {
    /// One fetched document.
    struct Document: Sendable {
        /// The URL asked for.
        var url: String
        /// The parsed document, when it came with HTTP 200 and is the expected kind.
        var tree: XMLTree?
        /// The raw bytes of a usable document (the schemas are compiled from them).
        var bytes: [UInt8] = []
        /// Why it is not usable (`HTTP 404`, `not XML: …`); nil when it is.
        var problem: String?
    }

    /// The WSDL (the first of `Services.wsdl` and `Exchange.asmx?wsdl` that answered with one).
    var wsdl: Document
    /// `messages.xsd`.
    var messages: Document
    /// `types.xsd`.
    var types: Document
    /// Every fetch, in order: evidence for the checks that judge them.
    var exchanges: [HTTPExchange]

    /// The largest document accepted (Exchange's types.xsd is about 430 KB, Services.wsdl 200 KB).
    static let maxDocumentBytes = 8 * 1024 * 1024
    static let wsdlNamespace = "http://schemas.xmlsoap.org/wsdl/"
    static let xsdNamespace = "http://www.w3.org/2001/XMLSchema"
    /// The WSDL SOAP 1.1 and 1.2 binding namespaces (`soap:address`, `soap12:address`).
    static let addressNamespaces = ["http://schemas.xmlsoap.org/wsdl/soap/", "http://schemas.xmlsoap.org/wsdl/soap12/"]

    /// Why served schemas cannot be used.
    struct Unusable: Error, CustomStringConvertible {
        var description: String
    }

    /// Whether the provider serves both schema files in a usable form.
    var servesSchemas: Bool { messages.tree != nil && types.tree != nil }

    /// Fetches the three documents (the WSDL first at `Services.wsdl`, then at `Exchange.asmx?wsdl`).
    /// `headers`: what the run adds to every EWS request (a profile's `ews.extra_headers`).
    static func fetch(ewsURL: String, transport: HTTPTransport, headers: [HTTPHeader] = []) async -> ProviderSchemas {
        let folder = ewsURL.split(separator: "?", maxSplits: 1).first.map(String.init) ?? ewsURL
        let base = folder.lastIndex(of: "/").map { String(folder[...$0]) } ?? folder + "/"
        var exchanges: [HTTPExchange] = []
        var wsdl = await document(base + "Services.wsdl", root: "definitions", namespace: wsdlNamespace, transport: transport, headers: headers, &exchanges)
        if wsdl.tree == nil {
            let asmx = await document(folder + "?wsdl", root: "definitions", namespace: wsdlNamespace, transport: transport, headers: headers, &exchanges)
            if asmx.tree != nil {
                wsdl = asmx
            } else if let first = wsdl.problem, let second = asmx.problem {
                wsdl.problem = "\(first); \(asmx.url): \(second)"
            }
        }
        let messages = await document(base + "messages.xsd", root: "schema", namespace: xsdNamespace, transport: transport, headers: headers, &exchanges)
        let types = await document(base + "types.xsd", root: "schema", namespace: xsdNamespace, transport: transport, headers: headers, &exchanges)
        return ProviderSchemas(wsdl: wsdl, messages: messages, types: types, exchanges: exchanges)
    }

    private static func document(_ url: String, root name: String, namespace: String, transport: HTTPTransport,
                                 headers: [HTTPHeader], _ exchanges: inout [HTTPExchange]) async -> Document {
        var result = Document(url: url)
        do {
            let response = try await transport.send(HTTPRequest(method: "GET", url: url, headers: headers + [HTTPHeader("Accept", "text/xml")]))
            exchanges.append(response.exchange)
            guard response.status == 200 else {
                result.problem = "HTTP \(response.status)"
                return result
            }
            let tree = try XMLTree(parsing: response.body, maxBytes: maxDocumentBytes)
            guard let root = tree.root, root.is(name, namespace) else {
                result.problem = "not a \(name == "schema" ? "schema" : "WSDL") (root element \(tree.root?.name ?? "none"))"
                return result
            }
            result.tree = tree
            result.bytes = response.body
        } catch let error as TransportError {
            if let exchange = error.exchange { exchanges.append(exchange) }
            result.problem = "no answer: \(error)"
        } catch let error as XMLReadError {
            result.problem = "not readable XML: \(error)"
        } catch {
            result.problem = "\(error)"
        }
        return result
    }

    /// Every service address the WSDL names (`wsdl:service/wsdl:port/soap:address/@location`).
    var serviceAddresses: [String] {
        guard let root = wsdl.tree?.root else { return [] }
        var found: [String] = []
        for service in root.children("service", Self.wsdlNamespace) {
            for port in service.children("port", Self.wsdlNamespace) {
                for address in port.children where address.name == "address" && Self.addressNamespaces.contains(address.namespace ?? "") {
                    found.append(address.attribute("location") ?? "")
                }
            }
        }
        return found
    }

    /// Compiles the provider's schemas. They are written to a private temporary folder (libxml2
    /// compiles from files) and removed again; an import or include of anything but the two
    /// files themselves is refused first, so compiling them never reads or fetches anything else.
    func validator() throws -> SchemaValidator {
        guard let messagesTree = messages.tree, let typesTree = types.tree else {
            throw Unusable(description: "the provider serves no schemas")
        }
        for (file, tree) in [("messages.xsd", messagesTree), ("types.xsd", typesTree)] {
            guard let root = tree.root else { continue }
            for element in root.children where ["import", "include", "redefine", "override"].contains(element.name) {
                if let location = element.attribute("schemaLocation"), !["messages.xsd", "types.xsd"].contains(location) {
                    throw Unusable(description: "\(file) \(element.name)s \(location), which is not one of the served files")
                }
            }
        }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ewscheck-provider-schemas-\(UUID().uuidString)")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
            try Data(messages.bytes).write(to: folder.appendingPathComponent("messages.xsd"))
            try Data(types.bytes).write(to: folder.appendingPathComponent("types.xsd"))
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw Unusable(description: "cannot write the provider's schemas to \(folder.path): \(error.localizedDescription)")
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        return try SchemaValidator(schemaFile: folder.appendingPathComponent("messages.xsd").path)
    }
}

extension ProviderSchemas {
    /// `../shared/ews-schemas` beside the working folder, or the parent of `$EWSCHECK_SCHEMA_DIR`
    /// (the simulator's schema folder), whichever holds a reference schema set; nil when neither does.
    static func defaultReferenceFolder(environment: [String: String] = ProcessInfo.processInfo.environment,
                                       workingFolder: String = FileManager.default.currentDirectoryPath) -> String? {
        var candidates = [URL(fileURLWithPath: workingFolder).appendingPathComponent("../shared/ews-schemas").standardized.path]
        if let dir = environment["EWSCHECK_SCHEMA_DIR"], !dir.isEmpty {
            candidates.insert(URL(fileURLWithPath: dir).deletingLastPathComponent().standardized.path, at: 0)
        }
        return candidates.first { root in
            ["v2017", "exchange2010sp2"].contains { FileManager.default.fileExists(atPath: "\(root)/\($0)/messages.xsd") }
        }
    }
}
