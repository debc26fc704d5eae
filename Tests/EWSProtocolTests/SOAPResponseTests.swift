@testable import EWSProtocol
import EWSTransport
import Foundation
import Testing

/// Responses in the byte forms Exchange uses (from ../shared/protocol/ews-protocol.md).
@Suite struct SOAPResponseTests {
    static let serverBusyFault = """
        <s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>
        <faultcode xmlns:a="http://schemas.microsoft.com/exchange/services/2006/types">a:ErrorServerBusy</faultcode>
        <faultstring xml:lang="en-US">The server cannot service this request right now. Try again later.</faultstring>
        <detail>
        <e:ResponseCode xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">ErrorServerBusy</e:ResponseCode>
        <e:Message xmlns:e="http://schemas.microsoft.com/exchange/services/2006/errors">The server cannot service this request right now. Try again later.</e:Message>
        <t:MessageXml xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><t:Value Name="BackOffMilliseconds">297749</t:Value></t:MessageXml>
        </detail></s:Fault></s:Body></s:Envelope>
        """

    static let getFolderSuccess = """
        <?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Header>\
        <h:ServerVersionInfo MajorVersion="15" MinorVersion="20" MajorBuildNumber="1471" MinorBuildNumber="20" Version="V2018_01_08" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types" xmlns="http://schemas.microsoft.com/exchange/services/2006/types"/>\
        </s:Header><s:Body><m:GetFolderResponse xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types">\
        <m:ResponseMessages><m:GetFolderResponseMessage ResponseClass="Success"><m:ResponseCode>NoError</m:ResponseCode><m:Folders><t:Folder>\
        <t:FolderId Id="AQApA=" ChangeKey="AQAAAB"/><t:DisplayName>Inbox</t:DisplayName><t:TotalCount>2</t:TotalCount><t:ChildFolderCount>0</t:ChildFolderCount><t:UnreadCount>1</t:UnreadCount>\
        </t:Folder></m:Folders></m:GetFolderResponseMessage>\
        <m:GetFolderResponseMessage ResponseClass="Error"><m:MessageText>Id is malformed.</m:MessageText><m:ResponseCode>ErrorInvalidIdMalformed</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey><m:Folders/></m:GetFolderResponseMessage>\
        </m:ResponseMessages></m:GetFolderResponse></s:Body></s:Envelope>
        """

    static func response(_ status: Int, _ body: String, headers: [HTTPHeader] = [HTTPHeader("Content-Type", "text/xml; charset=utf-8")]) -> HTTPResponse {
        let exchange = HTTPExchange(id: 1, started: Date(), method: "POST", url: "https://x/EWS/Exchange.asmx", requestBody: "",
                                    legs: [], responseBody: "", durationMilliseconds: 0, remoteAddress: nil, newConnections: 0, error: nil)
        return HTTPResponse(status: status, headers: headers, body: Array(body.utf8), exchange: exchange)
    }

    @Test func readsAFaultWithItsDetail() throws {
        let soap = try SOAPResponse(bytes: Array(Self.serverBusyFault.utf8))
        let fault = try #require(soap.fault)
        #expect(fault.faultCode == "a:ErrorServerBusy")
        #expect(fault.code == "ErrorServerBusy")
        #expect(fault.faultString.hasPrefix("The server cannot service"))
        #expect(fault.messageXml?.contains("BackOffMilliseconds") == true)
        #expect(soap.serverVersion == nil, "faults carry no ServerVersionInfo")
    }

    @Test func readsMessagesPayloadsAndVersion() throws {
        let call = EWSClient.read(Self.response(200, Self.getFolderSuccess), operation: GetFolder(folders: [.inbox]))
        #expect(call.serverVersion?.build == "15.20.1471.20")
        #expect(call.serverVersion?.version == "V2018_01_08")
        #expect(call.serverVersion?.productName == "Exchange Online")
        let messages = call.messages
        #expect(messages.count == 2)
        #expect(messages[0].responseClass == .success)
        #expect(messages[0].payload?.displayName == "Inbox")
        #expect(messages[0].payload?.unreadCount == 1)
        #expect(messages[1].responseClass == .error)
        #expect(messages[1].responseCode == "ErrorInvalidIdMalformed")
        #expect(messages[1].messageText == "Id is malformed.")
        #expect(messages[1].payload == nil)
    }

    @Test func faultAtHTTP500IsAFaultValue() {
        let call = EWSClient.read(Self.response(500, Self.serverBusyFault), operation: GetFolder(folders: [.inbox]))
        #expect(call.fault?.code == "ErrorServerBusy")
        #expect(call.httpStatus == 500)
    }

    @Test func nonEWSAnswersAreClassified() {
        let html = EWSClient.read(Self.response(200, "<html><body>Login</body></html>", headers: [HTTPHeader("Content-Type", "text/html")]),
                                  operation: GetFolder(folders: [.inbox]))
        guard case .malformed(let why) = html.outcome else { Issue.record("expected malformed, got \(html.summary)"); return }
        #expect(why.contains("HTML page"), "\(why)")

        let unauthorized = EWSClient.read(Self.response(401, "", headers: [HTTPHeader("WWW-Authenticate", "NTLM"), HTTPHeader("WWW-Authenticate", "Negotiate")]),
                                          operation: GetFolder(folders: [.inbox]))
        guard case .httpError(401, let reason) = unauthorized.outcome else { Issue.record("expected 401"); return }
        #expect(reason.contains("NTLM, Negotiate"))

        let busy = EWSClient.read(Self.response(503, "", headers: [HTTPHeader("Retry-After", "30")]), operation: GetFolder(folders: [.inbox]))
        guard case .httpError(503, let r503) = busy.outcome else { Issue.record("expected 503"); return }
        #expect(r503.contains("Retry-After: 30"))

        let wrongOp = EWSClient.read(Self.response(200, Self.getFolderSuccess), operation: FindItem(folder: .inbox))
        guard case .malformed = wrongOp.outcome else { Issue.record("a GetFolderResponse is not a FindItem answer"); return }
    }

    @Test func messageWithoutResponseClassIsMalformed() {
        let body = Self.getFolderSuccess.replacingOccurrences(of: " ResponseClass=\"Success\"", with: "")
        let call = EWSClient.read(Self.response(200, body), operation: GetFolder(folders: [.inbox]))
        guard case .malformed = call.outcome else { Issue.record("expected malformed, got \(call.summary)"); return }
    }
}
