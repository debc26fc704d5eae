import Foundation
import EWSProtocol

/// POX Autodiscover (`/autodiscover/autodiscover.xml`): the request Outlook-style clients send and a
/// tolerant reader of the answer (schemas 2006/2006a; `RedirectUrl` and `RedirectURL` both read).
enum POXAutodiscover {
    static let path = "/autodiscover/autodiscover.xml"

    /// The request body for `address`.
    static func requestBody(for address: String) -> [UInt8] {
        Array(("<?xml version=\"1.0\" encoding=\"utf-8\"?>"
            + "<Autodiscover xmlns=\"\(EWSNamespace.autodiscoverRequest)\"><Request>"
            + "<EMailAddress>\(address.xmlEscaped)</EMailAddress>"
            + "<AcceptableResponseSchema>\(EWSNamespace.autodiscoverOutlookResponse)</AcceptableResponseSchema>"
            + "</Request></Autodiscover>").utf8)
    }

    /// Reads an answer body.
    static func read(_ body: [UInt8]) -> AutodiscoverAnswer {
        AutodiscoverAnswer.reading(body) { tree in
            guard let root = tree.root, root.name == "Autodiscover" else {
                return .malformed("the document element is <\(tree.root?.name ?? "none")>, not <Autodiscover>")
            }
            guard root.namespace == EWSNamespace.autodiscoverResponse else {
                return .malformed("<Autodiscover> is in namespace \(root.namespace ?? "(none)"), not \(EWSNamespace.autodiscoverResponse)")
            }
            guard let response = root.child("Response") else { return .malformed("no <Response> element") }
            if let error = response.child("Error") {
                let code = error.child("ErrorCode")?.text.trimmed ?? "?"
                let message = error.child("Message")?.text.trimmed ?? ""
                return .error(code: code, message: message)
            }
            guard let account = response.child("Account") else { return .malformed("no <Account> element") }
            let action = account.child("Action")?.text.trimmed.lowercased() ?? ""
            switch action {
            case "redirecturl":
                guard let url = (account.child("RedirectUrl") ?? account.child("RedirectURL"))?.text.trimmed, !url.isEmpty else {
                    return .malformed("Action redirectUrl without a RedirectUrl")
                }
                return .redirectURL(url)
            case "redirectaddr":
                guard let addr = account.child("RedirectAddr")?.text.trimmed, !addr.isEmpty else {
                    return .malformed("Action redirectAddr without a RedirectAddr")
                }
                return .redirectAddress(addr)
            case "settings":
                break
            default:
                return .malformed("Action is '\(action)', not settings, redirectUrl or redirectAddr")
            }
            // EWS URL: EXPR's first (what exchangelib preferred), then EXCH, then any other protocol.
            let protocols = account.children("Protocol")
            var settings: [String: String] = [:]
            func value(_ type: String, _ name: String) -> String? {
                protocols.first { $0.child("Type")?.text.trimmed.uppercased() == type }?.child(name)?.text.trimmed.nonEmpty
            }
            var ews: String?
            for type in ["EXPR", "EXCH", "EXHTTP", "WEB"] {
                if let url = value(type, "EwsUrl") {
                    ews = url
                    settings["EwsUrlProtocol"] = type
                    break
                }
            }
            if ews == nil, let any = protocols.lazy.compactMap({ $0.child("EwsUrl")?.text.trimmed.nonEmpty }).first { ews = any }
            if ews == nil, let asURL = protocols.lazy.compactMap({ $0.child("ASUrl")?.text.trimmed.nonEmpty }).first {
                ews = asURL
                settings["EwsUrlFrom"] = "ASUrl (no EwsUrl in the answer)"
            }
            let user = response.child("User")
            if let name = user?.child("DisplayName")?.text.trimmed.nonEmpty { settings["UserDisplayName"] = name }
            let smtp = user?.child("AutoDiscoverSMTPAddress")?.text.trimmed.nonEmpty
            if let server = protocols.lazy.compactMap({ $0.child("ServerVersion")?.text.trimmed.nonEmpty }).first {
                settings["ServerVersion"] = server
            }
            guard let ews else { return .malformed("Action settings, but no protocol section carries an EwsUrl") }
            return .settings(ewsURL: ews, settings: settings, smtpAddress: smtp)
        }
    }
}

extension String {
    var trimmed: String { trimmingCharacters(in: .whitespacesAndNewlines) }
    var nonEmpty: String? { isEmpty ? nil : self }
}
