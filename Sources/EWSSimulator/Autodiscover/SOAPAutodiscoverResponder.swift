import EWSProtocol
import Foundation

/// SOAP Autodiscover `GetUserSettings` (`/autodiscover/autodiscover.svc`) in Exchange's message
/// forms: settings, RedirectAddress, RedirectUrl, InvalidUser, InvalidRequest; settings nobody has
/// come back as UserSettingErrors (`InvalidSetting`), as Exchange does.
struct SOAPAutodiscoverResponder: Sendable {
    static let namespace = "http://schemas.microsoft.com/exchange/2010/Autodiscover"
    let tenant: SimulatedTenant
    let flavor: SimulatorFlavor

    func handle(body: [UInt8], ewsURL: String, redirectURL: String?,
                step: (String) -> AutodiscoverSite.AddressStep) -> SimulatedResponse {
        let ns = Self.namespace
        guard let tree = try? XMLTree(parsing: body, maxBytes: 1024 * 1024), let envelope = tree.root,
              envelope.is("Envelope", EWSNamespace.soap),
              let request = envelope.child("Body", EWSNamespace.soap)?.child("GetUserSettingsRequestMessage", ns)?.child("Request", ns) else {
            return envelopeResponse(responseCode: "InvalidRequest", message: "The request is invalid.", users: "")
        }
        let mailboxes = request.child("Users", ns)?.children("User", ns).compactMap {
            $0.child("Mailbox", ns)?.text.trimmingCharacters(in: .whitespacesAndNewlines)
        } ?? []
        let requested = request.child("RequestedSettings", ns)?.children("Setting", ns).map {
            $0.text.trimmingCharacters(in: .whitespacesAndNewlines)
        } ?? []
        guard !mailboxes.isEmpty, !requested.isEmpty else {
            return envelopeResponse(responseCode: "InvalidRequest", message: "Users and RequestedSettings must not be empty.", users: "")
        }
        var users = ""
        for mailbox in mailboxes {
            if let redirectURL {
                users += userResponse(code: "RedirectUrl", message: "Redirection URL.", redirect: redirectURL)
                continue
            }
            var address = mailbox
            switch step(mailbox) {
            case .redirect(let next):
                users += userResponse(code: "RedirectAddress", message: "Redirection address.", redirect: next)
                continue
            case .settings(let primary):
                address = primary
            case .asIs:
                break
            }
            guard let user = tenant.user(anySmtp: address), user.hasMailbox else {
                users += userResponse(code: "InvalidUser", message: "Invalid user: '\(mailbox)'", redirect: nil)
                continue
            }
            users += settingsResponse(user, requested: requested, ewsURL: ewsURL)
        }
        return envelopeResponse(responseCode: "NoError", message: "", users: users)
    }

    private var casVersion: String {
        let v = flavor.serverVersion
        return String(format: "%d.%02d.%04d.%03d", v.major, v.minor, v.build, v.revision)
    }

    private var supportedSchemas: String {
        switch flavor {
        case .genericHoster: return "Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, Exchange2010_SP2, Exchange2013, Exchange2013_SP1"
        case .onPremises: return "Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, Exchange2010_SP2, Exchange2013, Exchange2013_SP1, Exchange2016"
        case .exchangeOnline: return "Exchange2007, Exchange2007_SP1, Exchange2010, Exchange2010_SP1, Exchange2010_SP2, Exchange2013, Exchange2013_SP1, Exchange2015"
        }
    }

    private func settingsResponse(_ user: SimulatedUser, requested: [String], ewsURL: String) -> String {
        let known: [String: String] = [
            "UserDisplayName": user.displayName,
            "UserDN": "/o=First Organization/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=\(user.samAccountName)",
            "AutoDiscoverSMTPAddress": user.primarySmtpAddress,
            "CasVersion": casVersion,
            "EwsSupportedSchemas": supportedSchemas,
            "ExternalEwsUrl": ewsURL,
            "InternalEwsUrl": ewsURL,
            "ExternalEwsVersion": casVersion,
            "UserMSOnline": flavor == .exchangeOnline ? "True" : "False",
            "MapiHttpEnabled": "True",
        ]
        var settings = ""
        var errors = ""
        for name in requested {
            if let value = known[name] {
                settings += "<UserSetting i:type=\"StringSetting\"><Name>\(name.xmlEscaped)</Name><Value>\(value.xmlEscaped)</Value></UserSetting>"
            } else {
                errors += "<UserSettingError><ErrorCode>InvalidSetting</ErrorCode><ErrorMessage>The requested setting is not available.</ErrorMessage>"
                    + "<SettingName>\(name.xmlEscaped)</SettingName></UserSettingError>"
            }
        }
        return "<UserResponse><ErrorCode>NoError</ErrorCode><ErrorMessage>No error.</ErrorMessage><RedirectTarget i:nil=\"true\" />"
            + (errors.isEmpty ? "<UserSettingErrors />" : "<UserSettingErrors>\(errors)</UserSettingErrors>")
            + "<UserSettings>\(settings)</UserSettings></UserResponse>"
    }

    private func userResponse(code: String, message: String, redirect: String?) -> String {
        "<UserResponse><ErrorCode>\(code)</ErrorCode><ErrorMessage>\(message.xmlEscaped)</ErrorMessage>"
            + (redirect.map { "<RedirectTarget>\($0.xmlEscaped)</RedirectTarget>" } ?? "<RedirectTarget i:nil=\"true\" />")
            + "<UserSettingErrors /><UserSettings /></UserResponse>"
    }

    private func envelopeResponse(responseCode: String, message: String, users: String) -> SimulatedResponse {
        let v = flavor.serverVersion
        let xml = """
            <?xml version="1.0" encoding="utf-8"?><s:Envelope xmlns:s="\(EWSNamespace.soap)" xmlns:a="http://www.w3.org/2005/08/addressing">\
            <s:Header><a:Action s:mustUnderstand="1">http://schemas.microsoft.com/exchange/2010/Autodiscover/Autodiscover/GetUserSettingsResponse</a:Action>\
            <h:ServerVersionInfo xmlns:h="\(Self.namespace)" xmlns:i="http://www.w3.org/2001/XMLSchema-instance">\
            <h:MajorVersion>\(v.major)</h:MajorVersion><h:MinorVersion>\(v.minor)</h:MinorVersion>\
            <h:MajorBuildNumber>\(v.build)</h:MajorBuildNumber><h:MinorBuildNumber>\(v.revision)</h:MinorBuildNumber>\
            <h:Version>Exchange2015</h:Version></h:ServerVersionInfo></s:Header>\
            <s:Body><GetUserSettingsResponseMessage xmlns="\(Self.namespace)"><Response xmlns:i="http://www.w3.org/2001/XMLSchema-instance">\
            <ErrorCode>\(responseCode)</ErrorCode>\(message.isEmpty ? "<ErrorMessage />" : "<ErrorMessage>\(message.xmlEscaped)</ErrorMessage>")\
            <UserResponses>\(users)</UserResponses></Response></GetUserSettingsResponseMessage></s:Body></s:Envelope>
            """
        return .xml(200, xml)
    }
}
