import EWSProtocol

/// Writes response envelopes in the byte forms Exchange 2013+ uses (`s:` envelope, `h:` version
/// header, `m:`/`t:` body).
enum SOAPWriter {
    static let xmlDeclaration = "<?xml version=\"1.0\" encoding=\"utf-8\"?>"
    static let typesNS = "http://schemas.microsoft.com/exchange/services/2006/types"
    static let messagesNS = "http://schemas.microsoft.com/exchange/services/2006/messages"
    static let soapNS = "http://schemas.xmlsoap.org/soap/envelope/"

    static func envelope(flavor: SimulatorFlavor, body: String, versionHeader: Bool = true) -> String {
        let v = flavor.serverVersion
        guard versionHeader else {
            return xmlDeclaration + "<s:Envelope xmlns:s=\"\(soapNS)\"><s:Body>" + body + "</s:Body></s:Envelope>"
        }
        return xmlDeclaration
            + "<s:Envelope xmlns:s=\"\(soapNS)\"><s:Header>"
            + "<h:ServerVersionInfo MajorVersion=\"\(v.major)\" MinorVersion=\"\(v.minor)\" MajorBuildNumber=\"\(v.build)\" MinorBuildNumber=\"\(v.revision)\" Version=\"\(v.version)\" xmlns:h=\"\(typesNS)\" xmlns=\"\(typesNS)\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"/>"
            + "</s:Header><s:Body xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">"
            + body + "</s:Body></s:Envelope>"
    }

    /// `<m:OpResponse><m:ResponseMessages>…</m:ResponseMessages></m:OpResponse>`.
    static func operationResponse(_ operation: String, messages: [String]) -> String {
        "<m:\(operation)Response xmlns:m=\"\(messagesNS)\" xmlns:t=\"\(typesNS)\"><m:ResponseMessages>"
            + messages.joined() + "</m:ResponseMessages></m:\(operation)Response>"
    }

    static func success(_ operation: String, payload: String) -> String {
        "<m:\(operation)ResponseMessage ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode>\(payload)</m:\(operation)ResponseMessage>"
    }

    static func error(_ operation: String, _ error: EWSError, emptyPayload: String = "") -> String {
        var xml = "<m:\(operation)ResponseMessage ResponseClass=\"Error\"><m:MessageText>\(error.message.xmlEscaped)</m:MessageText>"
            + "<m:ResponseCode>\(error.code)</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>"
        if let messageXml = error.messageXml { xml += "<m:MessageXml>\(messageXml)</m:MessageXml>" }
        return xml + emptyPayload + "</m:\(operation)ResponseMessage>"
    }

    /// A SOAP fault in the form Exchange sends with HTTP 500 (no version header).
    static func fault(_ error: EWSError) -> String {
        var detail = "<e:ResponseCode xmlns:e=\"http://schemas.microsoft.com/exchange/services/2006/errors\">\(error.code)</e:ResponseCode>"
            + "<e:Message xmlns:e=\"http://schemas.microsoft.com/exchange/services/2006/errors\">\((error.detailMessage ?? error.message).xmlEscaped)</e:Message>"
        if let messageXml = error.messageXml {
            detail += "<t:MessageXml xmlns:t=\"\(typesNS)\">\(messageXml)</t:MessageXml>"
        }
        return xmlDeclaration + "<s:Envelope xmlns:s=\"\(soapNS)\"><s:Body><s:Fault>"
            + "<faultcode xmlns:a=\"\(typesNS)\">a:\(error.code)</faultcode>"
            + "<faultstring xml:lang=\"en-US\">\(error.message.xmlEscaped)</faultstring>"
            + "<detail>\(detail)</detail></s:Fault></s:Body></s:Envelope>"
    }
}

/// An EWS error code with Exchange's message text.
struct EWSError: Error, Sendable {
    var code: String
    var message: String
    /// `e:Message` when it differs from `faultstring` (schema validation).
    var detailMessage: String?
    /// Inner XML of `MessageXml` (already `t:`-prefixed).
    var messageXml: String?

    init(_ code: String, _ message: String, detailMessage: String? = nil, messageXml: String? = nil) {
        self.code = code
        self.message = message
        self.detailMessage = detailMessage
        self.messageXml = messageXml
    }

    static let itemNotFound = EWSError("ErrorItemNotFound", "The specified object was not found in the store.")
    static let idMalformed = EWSError("ErrorInvalidIdMalformed", "Id is malformed.")
    static let impersonateUserDenied = EWSError("ErrorImpersonateUserDenied", "The account does not have permission to impersonate the requested user.")
    static let invalidServerVersion = EWSError("ErrorInvalidServerVersion", "The specified server version is invalid.")
    static let missingEmailAddress = EWSError("ErrorMissingEmailAddress", "When making a request as an account that does not have a mailbox, you must specify the mailbox primary SMTP address for any distinguished folder Ids.")
    /// The text is the harness's guess: no capture of Exchange refusing a malformed SID is known.
    static let invalidSid = EWSError("ErrorInvalidSid", "The security identifier (SID) is not valid.")
    static let accessDenied = EWSError("ErrorAccessDenied", "Access is denied. Check credentials and try again.")
    static func nonExistentMailbox(_ smtp: String) -> EWSError {
        EWSError("ErrorNonExistentMailbox", "The SMTP address has no mailbox associated with it.",
                 messageXml: "<t:Value Name=\"SmtpAddress\">\(smtp.xmlEscaped)</t:Value>")
    }
    static func invalidImpersonationHeader(_ message: String) -> EWSError {
        EWSError("ErrorInvalidExchangeImpersonationHeaderData", message)
    }
    static func schemaValidation(_ violation: String, line: Int, position: Int) -> EWSError {
        EWSError("ErrorSchemaValidation", "The request failed schema validation: \(violation)",
                 detailMessage: "The request failed schema validation.",
                 messageXml: "<t:LineNumber>\(line)</t:LineNumber><t:LinePosition>\(position)</t:LinePosition><t:Violation>\(violation.xmlEscaped)</t:Violation>")
    }
}
