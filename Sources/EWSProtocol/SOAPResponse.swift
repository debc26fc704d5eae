/// A SOAP response envelope read defensively: the version header, a fault, or the body element.
package struct SOAPResponse: Sendable {
    /// `ServerVersionInfo`, when the header has one.
    package var serverVersion: ServerVersionInfo?
    /// The fault, when the body is one.
    package var fault: SOAPFault?
    /// The first element of the body (when not a fault).
    package var bodyElement: XMLElement?
    /// Which SOAP the envelope speaks. EWS requests are SOAP 1.1; a 1.2 answer is read (EWS itself sends
    /// some faults that way) but callers that judge an answer name it.
    package var soapVersion: SOAPVersion = .soap11

    /// The SOAP version of an envelope, by its namespace.
    package enum SOAPVersion: Sendable, Hashable {
        /// `http://schemas.xmlsoap.org/soap/envelope/`
        case soap11
        /// `http://www.w3.org/2003/05/soap-envelope`
        case soap12
        /// Any other namespace (or none).
        case other(namespace: String?)
    }

    /// Reads an envelope; throws a specific message when the bytes are not a SOAP envelope.
    package init(bytes: [UInt8], maxBytes: Int = 64 * 1024 * 1024) throws(XMLReadError) {
        let tree = try XMLTree(parsing: bytes, maxBytes: maxBytes)
        guard let root = tree.root else {
            throw XMLReadError(message: "no document element", line: 0, column: 0, reason: .unexpectedDocument)
        }
        // EWSMA notes that EWS sometimes answers faults in the SOAP 1.2 namespace: accept any.
        guard root.name == "Envelope" else {
            throw XMLReadError(message: "document element is <\(root.name)>, not a SOAP Envelope", line: root.line, column: 0,
                               reason: .unexpectedDocument)
        }
        switch root.namespace {
        case "http://schemas.xmlsoap.org/soap/envelope/": soapVersion = .soap11
        case "http://www.w3.org/2003/05/soap-envelope": soapVersion = .soap12
        case let other: soapVersion = .other(namespace: other)
        }
        if let info = root.child("Header")?.child("ServerVersionInfo", EWSNamespace.types) {
            serverVersion = ServerVersionInfo(
                majorVersion: info.attribute("MajorVersion").flatMap { Int($0) },
                minorVersion: info.attribute("MinorVersion").flatMap { Int($0) },
                majorBuildNumber: info.attribute("MajorBuildNumber").flatMap { Int($0) },
                minorBuildNumber: info.attribute("MinorBuildNumber").flatMap { Int($0) },
                version: info.attribute("Version"))
        }
        guard let body = root.child("Body") else {
            throw XMLReadError(message: "SOAP Envelope has no Body", line: root.line, column: 0)
        }
        guard let first = body.children.first else {
            throw XMLReadError(message: "SOAP Body is empty", line: body.line, column: 0)
        }
        if first.name == "Fault" {
            let detail = first.child("detail") ?? first.child("Detail")
            fault = SOAPFault(
                faultCode: (first.child("faultcode") ?? first.path("Code", "Value"))?.text ?? "",
                faultString: (first.child("faultstring") ?? first.path("Reason", "Text"))?.text ?? "",
                responseCode: detail?.child("ResponseCode")?.text,
                message: detail?.child("Message")?.text,
                messageXml: detail?.child("MessageXml")?.xml)
        } else {
            bodyElement = first
        }
    }
}
