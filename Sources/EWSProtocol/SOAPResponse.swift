/// A SOAP response envelope read defensively: the version header, a fault, or the body element.
package struct SOAPResponse: Sendable {
    /// `ServerVersionInfo`, when the header has one.
    package var serverVersion: ServerVersionInfo?
    /// The fault, when the body is one.
    package var fault: SOAPFault?
    /// The first element of the body (when not a fault).
    package var bodyElement: XMLElement?

    /// Reads an envelope; throws a specific message when the bytes are not a SOAP envelope.
    package init(bytes: [UInt8], maxBytes: Int = 64 * 1024 * 1024) throws(XMLReadError) {
        let tree = try XMLTree(parsing: bytes, maxBytes: maxBytes)
        guard let root = tree.root else { throw XMLReadError(message: "no document element", line: 0, column: 0) }
        // EWSMA notes that EWS sometimes answers faults in the SOAP 1.2 namespace: accept any.
        guard root.name == "Envelope" else {
            throw XMLReadError(message: "document element is <\(root.name)>, not a SOAP Envelope", line: root.line, column: 0)
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
