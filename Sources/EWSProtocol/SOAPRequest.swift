/// Builds an EWS SOAP 1.1 request envelope.
package struct SOAPRequest: Sendable {
    /// The version sent in `RequestServerVersion`, or nil to send none.
    package var version: ExchangeVersion?
    /// Whom to impersonate, if anyone.
    package var impersonation: ConnectingSID?
    /// The `m:`-prefixed body element, as XML.
    package var body: String

    /// Creates a request envelope.
    package init(version: ExchangeVersion?, impersonation: ConnectingSID?, body: String) {
        self.version = version
        self.impersonation = impersonation
        self.body = body
    }

    /// The envelope as UTF-8 XML.
    package var xml: String {
        var header = ""
        if let version { header += "<t:RequestServerVersion Version=\"\(version.rawValue.xmlEscaped)\"/>" }
        if let impersonation {
            header += "<t:ExchangeImpersonation><t:ConnectingSID><t:\(impersonation.elementName)>"
                + impersonation.value.xmlEscaped
                + "</t:\(impersonation.elementName)></t:ConnectingSID></t:ExchangeImpersonation>"
        }
        return """
            <?xml version="1.0" encoding="utf-8"?>
            <soap:Envelope xmlns:soap="\(EWSNamespace.soap)" xmlns:m="\(EWSNamespace.messages)" xmlns:t="\(EWSNamespace.types)">\
            <soap:Header>\(header)</soap:Header><soap:Body>\(body)</soap:Body></soap:Envelope>
            """
    }
}
