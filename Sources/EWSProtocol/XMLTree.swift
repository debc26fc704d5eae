private import CEWSXML
import Foundation

/// libxml2 must be initialised once before threads use it.
private let xmlInitialised: Bool = {
    xmlInitParser()
    return true
}()

/// Why a document could not be read.
package struct XMLReadError: Error, Sendable, CustomStringConvertible {
    /// The kind of refusal, for callers that name it (an HTML page is not "malformed XML").
    package enum Reason: Sendable, Hashable {
        /// libxml2 found the document not well-formed (or the pre-scan found an unclosed construct).
        case notWellFormed
        /// An HTML page where XML belongs, with its title when it has one.
        case html(title: String?)
        /// A markup declaration: a DTD, an entity, a notation.
        case declaration
        /// The declared encoding and the bytes disagree, or the encoding is not one EWS uses.
        case encoding
        /// More bytes or elements than allowed.
        case tooLarge
        /// Nesting deeper than allowed.
        case tooDeep
        /// The document parsed but is not the expected kind (no root, not an envelope, …).
        case unexpectedDocument
    }
    package var message: String
    package var line: Int
    package var column: Int
    package var reason: Reason = .notWellFormed
    package var description: String { line > 0 ? "line \(line), column \(column): \(message)" : message }
}

/// A parsed XML document owning its libxml2 tree: the one XML entry point for EWS, both Autodiscover
/// forms and the simulator. Untrusted input is size-checked and pre-scanned (``XMLPrescan``: no DTD or
/// entity declaration ever reaches libxml2, HTML is named, nesting and element count are bounded), then
/// parsed without network or file access.
package final class XMLTree: @unchecked Sendable {
    // @unchecked: the tree is never mutated after parsing, and libxml2 allows concurrent reads of
    // one document; it is freed once, in deinit.
    fileprivate let doc: xmlDocPtr

    /// Parses `bytes`; refuses more than `maxBytes`.
    package init(parsing bytes: [UInt8], maxBytes: Int = 32 * 1024 * 1024) throws(XMLReadError) {
        _ = xmlInitialised
        guard bytes.count <= maxBytes else {
            throw XMLReadError(message: "document is \(bytes.count) bytes, more than the \(maxBytes) allowed", line: 0, column: 0,
                               reason: .tooLarge)
        }
        guard !bytes.isEmpty else { throw XMLReadError(message: "document is empty", line: 0, column: 0) }
        // No markup declaration, HTML page or runaway nesting reaches libxml2.
        try XMLPrescan.check(bytes)
        guard let ctxt = xmlNewParserCtxt() else {
            throw XMLReadError(message: "libxml2 could not allocate a parser", line: 0, column: 0)
        }
        defer { xmlFreeParserCtxt(ctxt) }
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue
            | XML_PARSE_NOCDATA.rawValue)
        let parsed: xmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) {
                xmlCtxtReadMemory(ctxt, $0.baseAddress, Int32($0.count), "input.xml", nil, options)
            }
        }
        guard let parsed, ctxt.pointee.wellFormed != 0 else {
            if let parsed { xmlFreeDoc(parsed) }
            if let err = xmlCtxtGetLastError(ctxt) {
                let text = err.pointee.message.map { String(cString: $0) } ?? "not well-formed"
                throw XMLReadError(message: text.trimmingCharacters(in: .whitespacesAndNewlines),
                                   line: Int(err.pointee.line), column: Int(err.pointee.int2))
            }
            throw XMLReadError(message: "not well-formed XML", line: 0, column: 0)
        }
        if parsed.pointee.intSubset != nil || parsed.pointee.extSubset != nil {
            xmlFreeDoc(parsed)
            throw XMLReadError(message: "a document type declaration (DTD) is not allowed", line: 0, column: 0,
                               reason: .declaration)
        }
        doc = parsed
    }

    deinit { xmlFreeDoc(doc) }

    /// The document element.
    package var root: XMLElement? {
        guard let node = xmlDocGetRootElement(doc) else { return nil }
        return XMLElement(tree: self, node: UnsafeMutableRawPointer(node))
    }
}

/// An element of an ``XMLTree``; keeps its tree alive.
package struct XMLElement: @unchecked Sendable {
    // @unchecked: `raw` points into `tree`'s document, which this keeps alive and nothing mutates.
    package let tree: XMLTree
    private let raw: UnsafeMutableRawPointer

    fileprivate init(tree: XMLTree, node: UnsafeMutableRawPointer) {
        self.tree = tree
        raw = node
    }

    private var node: xmlNodePtr { raw.assumingMemoryBound(to: xmlNode.self) }

    /// The local name.
    package var name: String { String(cString: node.pointee.name) }

    /// The namespace URI, if any.
    package var namespace: String? {
        guard let ns = node.pointee.ns, let href = ns.pointee.href else { return nil }
        return String(cString: href)
    }

    /// The namespace prefix as written, if any.
    package var prefix: String? {
        guard let ns = node.pointee.ns, let p = ns.pointee.prefix else { return nil }
        return String(cString: p)
    }

    /// The source line, for error messages.
    package var line: Int { Int(xmlGetLineNo(node)) }

    /// Whether this is `name` in namespace `ns`.
    package func `is`(_ name: String, _ ns: String?) -> Bool {
        self.name == name && (ns == nil || namespace == ns)
    }

    /// An attribute without a namespace.
    package func attribute(_ name: String) -> String? {
        guard let value = xmlGetNoNsProp(node, name) else { return nil }
        defer { cews_xml_free(value) }
        return String(cString: value)
    }

    /// Names of all attributes (without namespace), for strictness checks.
    package var attributeNames: [String] {
        var names: [String] = []
        var attr = node.pointee.properties
        while let a = attr {
            names.append(String(cString: a.pointee.name))
            attr = a.pointee.next
        }
        return names
    }

    /// Element children, in order.
    package var children: [XMLElement] {
        var result: [XMLElement] = []
        var child = node.pointee.children
        while let c = child {
            if c.pointee.type == XML_ELEMENT_NODE {
                result.append(XMLElement(tree: tree, node: UnsafeMutableRawPointer(c)))
            }
            child = c.pointee.next
        }
        return result
    }

    /// The first child element with this local name (and namespace, when given).
    package func child(_ name: String, _ ns: String? = nil) -> XMLElement? {
        var child = node.pointee.children
        while let c = child {
            if c.pointee.type == XML_ELEMENT_NODE {
                let element = XMLElement(tree: tree, node: UnsafeMutableRawPointer(c))
                if element.is(name, ns) { return element }
            }
            child = c.pointee.next
        }
        return nil
    }

    /// All child elements with this local name (and namespace, when given).
    package func children(_ name: String, _ ns: String? = nil) -> [XMLElement] {
        children.filter { $0.is(name, ns) }
    }

    /// Follows a path of local names (namespace-agnostic).
    package func path(_ names: String...) -> XMLElement? {
        var current: XMLElement? = self
        for n in names { current = current?.child(n) }
        return current
    }

    /// The text content of the element and its descendants.
    package var text: String {
        guard let content = xmlNodeGetContent(node) else { return "" }
        defer { cews_xml_free(content) }
        return String(cString: content)
    }

    /// Whether the element has any non-whitespace text or child elements.
    package var isEmpty: Bool {
        children.isEmpty && text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
    }

    /// The element serialised as XML (namespaces declared on ancestors are not repeated).
    package var xml: String {
        guard let buffer = xmlBufferCreate() else { return "" }
        defer { xmlBufferFree(buffer) }
        _ = xmlNodeDump(buffer, tree.doc, node, 0, 0)
        guard let content = xmlBufferContent(buffer) else { return "" }
        return String(cString: content)
    }

    /// The raw node pointer, for the schema validator in this module.
    fileprivate var nodePointer: xmlNodePtr { node }
}

/// XSD validation of elements against a schema set loaded from files (the EWS schemas in
/// `../shared/ews-schemas/`, or those a server serves). The compiled schema is shared;
/// each validation uses its own context, so several threads may validate at once.
package final class SchemaValidator: @unchecked Sendable {
    // @unchecked: the compiled schema is read-only after init and libxml2 allows one per-thread
    // validation context over it (each validation creates its own); it is freed once, in deinit.
    private let schema: xmlSchemaPtr

    /// One validity problem, with its position in the validated document.
    package struct Violation: Sendable, Hashable, CustomStringConvertible {
        package var line: Int
        package var column: Int
        package var message: String
        /// Where in the document, as libxml2 names the node (`/s:Envelope/s:Body/m:GetFolderResponse/…`);
        /// nil when the error names no node.
        package var path: String? = nil
        package var description: String { "line \(line): \(message)" }
    }

    /// Loads `path` (for EWS, `messages.xsd`, which imports `types.xsd` beside it).
    package init(schemaFile path: String) throws(XMLReadError) {
        _ = xmlInitialised
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw XMLReadError(message: "schema file \(path) is missing or unreadable", line: 0, column: 0)
        }
        // The EWS types schema imports the xml: namespace without a location, and libxml2 never
        // fetches anything from the network. A wrapper imports a local declaration of that
        // namespace first, then the schema itself.
        let absolute = URL(fileURLWithPath: path).standardized.path
        let namespace = Self.targetNamespace(of: absolute)
        guard !namespace.isEmpty else {
            // A schema without a target namespace (JUnit's) needs no wrapper.
            guard let parser = xmlSchemaNewParserCtxt(absolute) else {
                throw XMLReadError(message: "could not open schema \(path)", line: 0, column: 0)
            }
            schema = try Self.compile(parser, path: path)
            return
        }
        let xmlNamespaceSchema = try Self.xmlNamespaceSchemaFile()
        let wrapper = """
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:ewscheck:schema-wrapper">\
            <xs:import namespace="http://www.w3.org/XML/1998/namespace" schemaLocation="\(xmlNamespaceSchema.xmlEscaped)"/>\
            <xs:import namespace="\(namespace.xmlEscaped)" schemaLocation="\(absolute.xmlEscaped)"/>\
            </xs:schema>
            """
        let wrapperBytes = Array(wrapper.utf8)
        let parserContext = wrapperBytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { xmlSchemaNewMemParserCtxt($0.baseAddress, Int32($0.count)) }
        }
        guard let parser = parserContext else {
            throw XMLReadError(message: "could not open schema \(path)", line: 0, column: 0)
        }
        schema = try Self.compile(parser, path: path)
    }

    private static func compile(_ parser: xmlSchemaParserCtxtPtr, path: String) throws(XMLReadError) -> xmlSchemaPtr {
        defer { xmlSchemaFreeParserCtxt(parser) }
        let collector = ViolationCollector()
        xmlSchemaSetParserStructuredErrors(parser, collectViolation, Unmanaged.passUnretained(collector).toOpaque())
        guard let compiled = xmlSchemaParse(parser) else {
            let first = collector.violations.first?.message ?? "unknown error"
            throw XMLReadError(message: "schema \(path) does not compile: \(first)", line: 0, column: 0)
        }
        return compiled
    }

    /// The `targetNamespace` of a schema file (read from its first 4 KiB).
    private static func targetNamespace(of path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let head = String(decoding: handle.readData(ofLength: 4096), as: UTF8.self)
        guard let r = head.range(of: "targetNamespace=\"") else { return "" }
        return String(head[r.upperBound...].prefix { $0 != "\"" })
    }

    /// A local schema for the `xml:` namespace attributes (`xml:lang`, `xml:space`, `xml:base`,
    /// `xml:id`), written once per process.
    private static func xmlNamespaceSchemaFile() throws(XMLReadError) -> String {
        let path = NSTemporaryDirectory() + "ewscheck-xml-namespace-\(ProcessInfo.processInfo.processIdentifier).xsd"
        if FileManager.default.fileExists(atPath: path) { return path }
        let text = """
            <?xml version="1.0"?>
            <xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/XML/1998/namespace" xml:lang="en">
              <xs:attribute name="lang"><xs:simpleType><xs:union memberTypes="xs:language"><xs:simpleType><xs:restriction base="xs:string"><xs:enumeration value=""/></xs:restriction></xs:simpleType></xs:union></xs:simpleType></xs:attribute>
              <xs:attribute name="space"><xs:simpleType><xs:restriction base="xs:NCName"><xs:enumeration value="default"/><xs:enumeration value="preserve"/></xs:restriction></xs:simpleType></xs:attribute>
              <xs:attribute name="base" type="xs:anyURI"/>
              <xs:attribute name="id" type="xs:ID"/>
            </xs:schema>
            """
        do {
            try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw XMLReadError(message: "cannot write \(path): \(error.localizedDescription)", line: 0, column: 0)
        }
        return path
    }

    deinit { xmlSchemaFree(schema) }

    /// Validates one element and its subtree against the global declaration of its name.
    package func validate(_ element: XMLElement) -> [Violation] {
        guard let ctxt = xmlSchemaNewValidCtxt(schema) else {
            return [Violation(line: 0, column: 0, message: "libxml2 could not allocate a validation context")]
        }
        defer { xmlSchemaFreeValidCtxt(ctxt) }
        let collector = ViolationCollector()
        xmlSchemaSetValidStructuredErrors(ctxt, collectViolation, Unmanaged.passUnretained(collector).toOpaque())
        let rc = withExtendedLifetime(collector) { xmlSchemaValidateOneElement(ctxt, element.nodePointer) }
        if rc != 0 && collector.violations.isEmpty {
            return [Violation(line: element.line, column: 0, message: "invalid (libxml2 code \(rc))")]
        }
        return collector.violations
    }
}

private final class ViolationCollector {
    var violations: [SchemaValidator.Violation] = []
}

private func collectViolation(_ userData: UnsafeMutableRawPointer?, _ error: xmlErrorPtr?) {
    guard let userData, let error else { return }
    let collector = Unmanaged<ViolationCollector>.fromOpaque(userData).takeUnretainedValue()
    guard collector.violations.count < 50 else { return }
    let message = error.pointee.message.map { String(cString: $0) } ?? "invalid"
    var path: String?
    // A validity error names the element (or attribute) it is about; a parser error names none.
    if let node = error.pointee.node?.assumingMemoryBound(to: xmlNode.self), let text = xmlGetNodePath(node) {
        path = String(cString: text)
        cews_xml_free(text)
    }
    collector.violations.append(.init(line: Int(error.pointee.line), column: Int(error.pointee.int2),
                                      message: message.trimmingCharacters(in: .whitespacesAndNewlines), path: path))
}
