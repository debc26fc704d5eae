import EWSProtocol
import Foundation

extension EWSService {
    /// ResolveNames against the tenant's directory (the GAL): ambiguous name resolution by
    /// prefix of display name, given name, surname, alias or any SMTP address (`smtp:` allowed).
    /// One match is Success, several a Warning with `ErrorNameResolutionMultipleResults` that
    /// still lists them, none `ErrorNameResolutionNoResults`. Mailbox contacts folders hold no
    /// contacts in the simulator, so the Contacts scopes add nothing.
    func resolveNames(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let full = request.attribute("ReturnFullContactData").flatMap(XSBoolean.parse) ?? false
        if let shape = request.attribute("ContactDataShape"), shape != "Default", full {
            return SOAPWriter.operationResponse("ResolveNames", messages: [SOAPWriter.error("ResolveNames", .notImplemented("ContactDataShape=\"\(shape)\""))])
        }
        var entry = (request.child("UnresolvedEntry")?.text ?? "").trimmingCharacters(in: .whitespaces)
        if entry.lowercased().hasPrefix("smtp:") { entry = String(entry.dropFirst(5)) }
        let needle = entry.lowercased()
        let scope = request.attribute("SearchScope") ?? "ActiveDirectoryContacts"
        let matches = scope == "Contacts" ? [] : tenant.allUsers.filter { user in
            guard user.hasMailbox else { return false }
            let parts = user.displayName.split(separator: " ").map { $0.lowercased() }
            let candidates = [user.displayName.lowercased(), user.samAccountName.lowercased(), user.primarySmtpAddress] + user.proxyAddresses + parts
            return candidates.contains { $0.hasPrefix(needle) }
        }
        let resolutions = matches.prefix(100).map { user -> String in
            var x = "<t:Resolution><t:Mailbox><t:Name>\(user.displayName.xmlEscaped)</t:Name><t:EmailAddress>\(user.primarySmtpAddress.xmlEscaped)</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Mailbox</t:MailboxType></t:Mailbox>"
            if full {
                let names = user.displayName.split(separator: " ", maxSplits: 1).map(String.init)
                x += "<t:Contact><t:DisplayName>\(user.displayName.xmlEscaped)</t:DisplayName>"
                if let given = names.first { x += "<t:GivenName>\(given.xmlEscaped)</t:GivenName>" }
                x += "<t:EmailAddresses><t:Entry Key=\"EmailAddress1\">SMTP:\(user.primarySmtpAddress.xmlEscaped)</t:Entry></t:EmailAddresses>"
                x += "<t:ContactSource>ActiveDirectory</t:ContactSource>"
                if names.count > 1 { x += "<t:Surname>\(names[1].xmlEscaped)</t:Surname>" }
                x += "</t:Contact>"
            }
            return x + "</t:Resolution>"
        }
        let set = "<m:ResolutionSet TotalItemsInView=\"\(resolutions.count)\" IncludesLastItemInRange=\"true\">\(resolutions.joined())</m:ResolutionSet>"
        let message: String
        switch resolutions.count {
        case 0:
            message = SOAPWriter.error("ResolveNames", EWSError("ErrorNameResolutionNoResults", "No results were found."))
        case 1:
            message = SOAPWriter.success("ResolveNames", payload: set)
        default:
            message = "<m:ResolveNamesResponseMessage ResponseClass=\"Warning\"><m:MessageText>Multiple results were found.</m:MessageText>"
                + "<m:ResponseCode>ErrorNameResolutionMultipleResults</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey>\(set)</m:ResolveNamesResponseMessage>"
        }
        return SOAPWriter.operationResponse("ResolveNames", messages: [message])
    }
}
