import EWSExecutor
import Foundation
import Synchronization

/// A scripted EWS on plain HTTP, enough for the whole suite (GetFolder, CreateItem, GetItem,
/// GetAttachment, DeleteItem, FindItem), that misbehaves in the ways `quirks` name.
final class FakeEWS: Sendable {
    enum Quirk: Sendable, Hashable {
        /// CreateItem (the one large request) is answered with an HTML page, like a proxy's size limit.
        case htmlPage
        /// Answers come in a SOAP 1.2 envelope.
        case soap12
        /// Answers are labelled text/plain.
        case textPlain
        /// RequestServerVersion Exchange2016 gets an ErrorServerBusy fault.
        case busyOnExchange2016
        /// The out-of-scope mailbox gets a bare SOAP fault (no ResponseCode).
        case bareFaultOutOfScope
        /// The out-of-scope mailbox gets ErrorImpersonateUserDenied in a response message (HTTP 200),
        /// not in the HTTP 500 fault Exchange sends.
        case outOfScopeAsResponseMessage
        /// Every request gets a bare SOAP fault (s:Server, no EWS detail, no ServerVersionInfo).
        case bareFaultEverywhere
        /// GetItem answers with another item's id.
        case otherItemID
        /// Attachments are dropped on CreateItem (NoError all the same).
        case dropAttachment
        /// CreateItem creates nothing and its answer is lost (502).
        case loseCreateAnswer
        /// UnreadCount never changes.
        case unreadStuck
        /// GET is answered 405; an unauthenticated POST gets 401 with a Basic challenge.
        case get405PostBasic
    }

    static let outOfScope = "eve@other.example"
    static let nonexistent = "nobody@contoso.com"
    let quirks: Set<FakeEWS.Quirk>
    let server: ScriptedEWSServer

    init(_ quirks: Set<FakeEWS.Quirk>) throws {
        self.quirks = quirks
        let responder = Responder(quirks)
        server = try ScriptedEWSServer { responder.answer($0) }
    }

    func stop() { server.stop() }
}

/// The answers, from the quirks and what was created so far (behind a Mutex: requests come on
/// several threads).
private final class Responder: Sendable {
    private struct State {
        var created = 0
        var content = ""
        var deleted = false
    }

    let quirks: Set<FakeEWS.Quirk>
    private let state = Mutex(State())

    init(_ quirks: Set<FakeEWS.Quirk>) { self.quirks = quirks }

    private func envelope(_ body: String) -> ScriptedEWSServer.Response {
        let ns = quirks.contains(.soap12) ? "http://www.w3.org/2003/05/soap-envelope" : "http://schemas.xmlsoap.org/soap/envelope/"
        let xml = """
            <?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="\(ns)"><s:Header><h:ServerVersionInfo MajorVersion="15" MinorVersion="1" MajorBuildNumber="2507" MinorBuildNumber="6" Version="V2017_07_11" xmlns:h="http://schemas.microsoft.com/exchange/services/2006/types"/></s:Header><s:Body>\(body)</s:Body></s:Envelope>
            """
        return .init(status: 200, contentType: quirks.contains(.textPlain) ? "text/plain; charset=utf-8" : "text/xml; charset=utf-8", body: xml)
    }

    private func messages(_ op: String, _ inner: String) -> ScriptedEWSServer.Response {
        envelope("""
            <m:\(op)Response xmlns:m="http://schemas.microsoft.com/exchange/services/2006/messages" xmlns:t="http://schemas.microsoft.com/exchange/services/2006/types"><m:ResponseMessages>\(inner)</m:ResponseMessages></m:\(op)Response>
            """)
    }

    private func error(_ op: String, _ code: String) -> ScriptedEWSServer.Response {
        messages(op, "<m:\(op)ResponseMessage ResponseClass=\"Error\"><m:MessageText>\(code)</m:MessageText><m:ResponseCode>\(code)</m:ResponseCode></m:\(op)ResponseMessage>")
    }

    private func fault(code: String, text: String, responseCode: String?) -> ScriptedEWSServer.Response {
        let detail = responseCode.map { "<detail><e:ResponseCode xmlns:e=\"http://schemas.microsoft.com/exchange/services/2006/errors\">\($0)</e:ResponseCode></detail>" } ?? ""
        var r = envelope("<s:Fault><faultcode xmlns:a=\"http://schemas.microsoft.com/exchange/services/2006/types\">\(code)</faultcode><faultstring xml:lang=\"en-US\">\(text)</faultstring>\(detail)</s:Fault>")
        r.status = 500
        return r
    }

    func answer(_ request: ScriptedEWSServer.Request) -> ScriptedEWSServer.Response {
        if request.method == "GET" {
            if quirks.contains(.get405PostBasic) { return .init(status: 405, contentType: "text/plain", body: "method not allowed") }
            return .init(status: 401, contentType: "text/plain", headers: ["WWW-Authenticate": "Basic realm=\"fake\""], body: "")
        }
        if quirks.contains(.get405PostBasic), request.headers["authorization"] == nil {
            return .init(status: 401, contentType: "text/plain", headers: ["WWW-Authenticate": "Basic realm=\"fake\""], body: "")
        }
        let body = request.body
        if quirks.contains(.htmlPage), body.contains("<m:CreateItem") {
            return .init(status: 200, contentType: "text/html", body: "<!DOCTYPE html>\n<html><head><title>Request Entity Too Large</title></head><body><p>The page was not displayed.</p></body></html>")
        }
        guard let start = body.range(of: "<m:"), let end = body[start.upperBound...].firstIndex(where: { $0 == " " || $0 == ">" }) else {
            return .init(status: 400, contentType: "text/plain", body: "no operation")
        }
        let op = String(body[start.upperBound..<end])
        return state.locked { s -> ScriptedEWSServer.Response in
            if quirks.contains(.bareFaultEverywhere) {
                // What an application server in front of EWS says: no ServerVersionInfo, no EWS detail.
                let xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?><s:Envelope xmlns:s=\"http://schemas.xmlsoap.org/soap/envelope/\"><s:Body>"
                    + "<s:Fault><faultcode>s:Server</faultcode><faultstring>Object reference not set to an instance of an object.</faultstring>"
                    + "</s:Fault></s:Body></s:Envelope>"
                return .init(status: 500, contentType: "text/xml; charset=utf-8", body: xml)
            }
            switch op {
            case "GetFolder":
                if body.contains(FakeEWS.outOfScope) {
                    if quirks.contains(.bareFaultOutOfScope) { return fault(code: "s:Server", text: "The mailbox database is temporarily unavailable.", responseCode: nil) }
                    if quirks.contains(.outOfScopeAsResponseMessage) { return error(op, "ErrorImpersonateUserDenied") }
                    return fault(code: "a:ErrorImpersonateUserDenied", text: "The account does not have permission to impersonate the requested user.",
                                 responseCode: "ErrorImpersonateUserDenied")
                }
                if body.contains(FakeEWS.nonexistent) { return error(op, "ErrorNonExistentMailbox") }
                if quirks.contains(.busyOnExchange2016), body.contains("Version=\"Exchange2016\"") {
                    return fault(code: "a:ErrorServerBusy", text: "The server cannot service this request right now. Try again later.", responseCode: "ErrorServerBusy")
                }
                let unread = quirks.contains(.unreadStuck) || s.deleted ? 0 : s.created
                return messages(op, "<m:GetFolderResponseMessage ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode><m:Folders><t:Folder><t:FolderId Id=\"INBOX\" ChangeKey=\"AQ\"/><t:DisplayName>Inbox</t:DisplayName><t:TotalCount>\(unread)</t:TotalCount><t:ChildFolderCount>0</t:ChildFolderCount><t:UnreadCount>\(unread)</t:UnreadCount></t:Folder></m:Folders></m:GetFolderResponseMessage>")
            case "CreateItem":
                if quirks.contains(.loseCreateAnswer) { return .init(status: 502, contentType: "text/html", body: "<html><head><title>502 Bad Gateway</title></head></html>") }
                s.created += 1
                if !quirks.contains(.dropAttachment), let a = body.range(of: "<t:Content>"), let b = body.range(of: "</t:Content>") {
                    s.content = String(body[a.upperBound..<b.lowerBound])
                }
                return messages(op, "<m:CreateItemResponseMessage ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Message><t:ItemId Id=\"ITEM-A\" ChangeKey=\"CK\"/></t:Message></m:Items></m:CreateItemResponseMessage>")
            case "GetItem":
                if s.deleted { return error(op, "ErrorItemNotFound") }
                let id = quirks.contains(.otherItemID) ? "ITEM-B" : "ITEM-A"
                let size = Data(base64Encoded: s.content)?.count ?? 0
                let attachments = s.content.isEmpty ? "<t:HasAttachments>false</t:HasAttachments>"
                    : "<t:Attachments><t:FileAttachment><t:AttachmentId Id=\"ATT-1\"/><t:Name>audio.wav</t:Name><t:ContentType>audio/wav</t:ContentType><t:Size>\(size)</t:Size></t:FileAttachment></t:Attachments><t:HasAttachments>true</t:HasAttachments>"
                return messages(op, "<m:GetItemResponseMessage ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode><m:Items><t:Message><t:ItemId Id=\"\(id)\" ChangeKey=\"CK\"/><t:ItemClass>IPM.Note.Microsoft.Voicemail.UM.CA</t:ItemClass>\(attachments)</t:Message></m:Items></m:GetItemResponseMessage>")
            case "GetAttachment":
                return messages(op, "<m:GetAttachmentResponseMessage ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode><m:Attachments><t:FileAttachment><t:AttachmentId Id=\"ATT-1\"/><t:Name>audio.wav</t:Name><t:ContentType>audio/wav</t:ContentType><t:Content>\(s.content)</t:Content></t:FileAttachment></m:Attachments></m:GetAttachmentResponseMessage>")
            case "DeleteItem":
                s.deleted = true
                return messages(op, "<m:DeleteItemResponseMessage ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode></m:DeleteItemResponseMessage>")
            case "FindItem":
                return messages(op, "<m:FindItemResponseMessage ResponseClass=\"Success\"><m:ResponseCode>NoError</m:ResponseCode><m:RootFolder TotalItemsInView=\"0\" IncludesLastItemInRange=\"true\"><t:Items/></m:RootFolder></m:FindItemResponseMessage>")
            default:
                return error(op, "ErrorInvalidOperation")
            }
        }
    }
}
