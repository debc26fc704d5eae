import EWSProtocol
import Foundation

/// POX Autodiscover (`/autodiscover/autodiscover.xml`): settings for a known address, Exchange's
/// error response otherwise.
struct AutodiscoverService: Sendable {
    let tenant: SimulatedTenant
    let ewsURL: String
    let serverHost: String
    let deploymentID = UUID().uuidString.lowercased()
    /// Autodiscover per layout (SOAP, v2, redirects, the plain-HTTP listener); see ``AutodiscoverSite``.
    var site: AutodiscoverSite?

    func handle(body: [UInt8]) -> SimulatedResponse {
        guard let tree = try? XMLTree(parsing: body, maxBytes: 1024 * 1024), let root = tree.root,
              root.is("Autodiscover", EWSNamespace.autodiscoverRequest),
              let request = root.child("Request"),
              let address = request.child("EMailAddress")?.text.trimmingCharacters(in: .whitespaces), !address.isEmpty else {
            return .xml(200, error(code: 600, message: "Invalid Request"))
        }
        let schema = request.child("AcceptableResponseSchema")?.text ?? ""
        guard schema == EWSNamespace.autodiscoverOutlookResponse else {
            return .xml(200, error(code: 601, message: "The requested schema version is not supported"))
        }
        guard let user = tenant.user(anySmtp: address), user.hasMailbox else {
            return .xml(200, error(code: 500, message: "The email address can't be found."))
        }
        let legacyDN = "/o=First Organization/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=\(user.samAccountName)"
        let xml = """
            <?xml version="1.0" encoding="utf-8"?>
            <Autodiscover xmlns="\(EWSNamespace.autodiscoverResponse)">\
            <Response xmlns="\(EWSNamespace.autodiscoverOutlookResponse)">\
            <User><DisplayName>\(user.displayName.xmlEscaped)</DisplayName><LegacyDN>\(legacyDN.xmlEscaped)</LegacyDN>\
            <AutoDiscoverSMTPAddress>\(user.primarySmtpAddress.xmlEscaped)</AutoDiscoverSMTPAddress><DeploymentId>\(deploymentID)</DeploymentId></User>\
            <Account><AccountType>email</AccountType><Action>settings</Action><MicrosoftOnline>False</MicrosoftOnline>\
            <Protocol><Type>EXCH</Type><Server>\(serverHost.xmlEscaped)</Server><ServerVersion>73C28804</ServerVersion>\
            <AuthPackage>Negotiate</AuthPackage><EwsUrl>\(ewsURL.xmlEscaped)</EwsUrl></Protocol>\
            <Protocol><Type>EXPR</Type><Server>\(serverHost.xmlEscaped)</Server><SSL>On</SSL><AuthPackage>Ntlm</AuthPackage>\
            <EwsUrl>\(ewsURL.xmlEscaped)</EwsUrl></Protocol>\
            </Account></Response></Autodiscover>
            """
        return .xml(200, xml)
    }

    private func error(code: Int, message: String) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "HH:mm:ss.SSSSSSS"
        return """
            <?xml version="1.0" encoding="utf-8"?>
            <Autodiscover xmlns="\(EWSNamespace.autodiscoverResponse)">\
            <Response xmlns="\(EWSNamespace.autodiscoverResponse)">\
            <Error Time="\(f.string(from: Date()))" Id="2477567137"><ErrorCode>\(code)</ErrorCode>\
            <Message>\(message.xmlEscaped)</Message><DebugData /></Error></Response></Autodiscover>
            """
    }
}
