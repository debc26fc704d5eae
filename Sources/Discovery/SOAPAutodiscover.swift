import EWSProtocol
import Foundation

/// SOAP Autodiscover `GetUserSettings` (`/autodiscover/autodiscover.svc`), as EWSMA and exchangelib
/// send it, and a reader of the answer (Response-level and UserResponse-level error codes).
enum SOAPAutodiscover {
    static let path = "/autodiscover/autodiscover.svc"
    static let namespace = "http://schemas.microsoft.com/exchange/2010/Autodiscover"
    static let action = "http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettings"
    /// The settings asked for.
    static let settings = ["UserDisplayName", "CasVersion", "EwsSupportedSchemas", "ExternalEwsUrl", "InternalEwsUrl", "AutoDiscoverSMTPAddress"]

    /// The request body for `address`, addressed to `url`.
    static func requestBody(for address: String, url: String) -> [UInt8] {
        let requested = settings.map { "<a:Setting>\($0)</a:Setting>" }.joined()
        return Array(("<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            + "<soap:Envelope xmlns:a=\"\(namespace)\" xmlns:wsa=\"http://www.w3.org/2005/08/addressing\" "
            + "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xmlns:soap=\"\(EWSNamespace.soap)\">"
            + "<soap:Header><a:RequestedServerVersion>Exchange2010</a:RequestedServerVersion>"
            + "<wsa:Action>\(action)</wsa:Action><wsa:To>\(url.xmlEscaped)</wsa:To></soap:Header>"
            + "<soap:Body><a:GetUserSettingsRequestMessage xmlns:a=\"\(namespace)\"><a:Request>"
            + "<a:Users><a:User><a:Mailbox>\(address.xmlEscaped)</a:Mailbox></a:User></a:Users>"
            + "<a:RequestedSettings>\(requested)</a:RequestedSettings>"
            + "</a:Request></a:GetUserSettingsRequestMessage></soap:Body></soap:Envelope>").utf8)
    }

    /// Reads an answer body.
    static func read(_ body: [UInt8]) -> AutodiscoverAnswer {
        AutodiscoverAnswer.reading(body) { tree in
            guard let envelope = tree.root, envelope.is("Envelope", EWSNamespace.soap) else {
                return .malformed("not a SOAP 1.1 envelope (document element <\(tree.root?.name ?? "none")>)")
            }
            guard let soapBody = envelope.child("Body", EWSNamespace.soap) else { return .malformed("no soap:Body") }
            if let fault = soapBody.child("Fault", EWSNamespace.soap) {
                return .error(code: "SOAP fault", message: fault.child("faultstring")?.text.trimmed ?? "")
            }
            guard let message = soapBody.child("GetUserSettingsResponseMessage", namespace),
                  let response = message.child("Response", namespace) else {
                return .malformed("no GetUserSettingsResponseMessage/Response")
            }
            let topCode = response.child("ErrorCode", namespace)?.text.trimmed ?? ""
            if !topCode.isEmpty && topCode != "NoError" {
                return .error(code: topCode, message: response.child("ErrorMessage", namespace)?.text.trimmed ?? "")
            }
            guard let user = response.child("UserResponses", namespace)?.child("UserResponse", namespace) else {
                return .malformed("no UserResponses/UserResponse")
            }
            let code = user.child("ErrorCode", namespace)?.text.trimmed ?? "NoError"
            let target = user.child("RedirectTarget", namespace)?.text.trimmed ?? ""
            switch code {
            case "NoError":
                break
            case "RedirectAddress":
                return target.isEmpty ? .malformed("RedirectAddress without a RedirectTarget") : .redirectAddress(target)
            case "RedirectUrl":
                return target.isEmpty ? .malformed("RedirectUrl without a RedirectTarget") : .redirectURL(target)
            default:
                return .error(code: code, message: user.child("ErrorMessage", namespace)?.text.trimmed ?? "")
            }
            var values: [String: String] = [:]
            for setting in user.child("UserSettings", namespace)?.children("UserSetting", namespace) ?? [] {
                guard let name = setting.child("Name", namespace)?.text.trimmed, !name.isEmpty else { continue }
                values[name] = setting.child("Value", namespace)?.text.trimmed ?? ""
            }
            let ews = values["ExternalEwsUrl"]?.nonEmpty ?? values["InternalEwsUrl"]?.nonEmpty
            guard let ews else { return .malformed("NoError, but neither ExternalEwsUrl nor InternalEwsUrl among the settings") }
            if values["ExternalEwsUrl"]?.nonEmpty == nil { values["EwsUrlFrom"] = "InternalEwsUrl (no ExternalEwsUrl)" }
            return .settings(ewsURL: ews, settings: values, smtpAddress: values["AutoDiscoverSMTPAddress"]?.nonEmpty)
        }
    }
}
