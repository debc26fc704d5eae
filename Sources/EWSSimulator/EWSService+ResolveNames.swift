import EWSProtocol
import Foundation

extension EWSService {
    /// ResolveNames against the tenant's directory (the GAL): ambiguous name resolution by
    /// prefix of display name, given name, surname, alias or any SMTP address (`smtp:` allowed).
    /// One match is Success, several a Warning with `ErrorNameResolutionMultipleResults` that
    /// still lists them, none `ErrorNameResolutionNoResults`. The contacts of the acting mailbox
    /// are searched too (their Contacts folder, or the
    /// folders named), in the order the SearchScope gives.
    func resolveNames(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let full = request.attribute("ReturnFullContactData").flatMap(XSBoolean.parse) ?? false
        if let shape = request.attribute("ContactDataShape"), shape != "Default", full {
            return SOAPWriter.operationResponse("ResolveNames", messages: [SOAPWriter.error("ResolveNames", .notImplemented("ContactDataShape=\"\(shape)\""))])
        }
        var entry = (request.child("UnresolvedEntry")?.text ?? "").trimmingCharacters(in: .whitespaces)
        if entry.lowercased().hasPrefix("smtp:") { entry = String(entry.dropFirst(5)) }
        let needle = entry.lowercased()
        let scope = request.attribute("SearchScope") ?? "ActiveDirectoryContacts"
        let gal = scope == "Contacts" ? [] : tenant.allUsers.filter { user in
            guard user.hasMailbox else { return false }
            let parts = user.displayName.split(separator: " ").map { $0.lowercased() }
            let candidates = [user.displayName.lowercased(), user.samAccountName.lowercased(), user.primarySmtpAddress] + user.proxyAddresses + parts
            return candidates.contains { $0.hasPrefix(needle) }
        }.prefix(100).map { user -> String in
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
        let groups = scope == "Contacts" ? [] : tenant.allGroups.filter { g in
            ([g.displayName.lowercased(), g.primarySmtpAddress] + g.displayName.lowercased().split(separator: " ").map(String.init)).contains { $0.hasPrefix(needle) }
        }.map { g in
            "<t:Resolution><t:Mailbox><t:Name>\(g.displayName.xmlEscaped)</t:Name><t:EmailAddress>\(g.primarySmtpAddress.xmlEscaped)</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>PublicDL</t:MailboxType></t:Mailbox></t:Resolution>"
        }
        var contacts: [String] = []
        if scope != "ActiveDirectory" {
            switch contactResolutions(request, needle: needle, full: full, context) {
            case .success(let found): contacts = found
            case .failure(let error): return SOAPWriter.operationResponse("ResolveNames", messages: [SOAPWriter.error("ResolveNames", error)])
            }
        }
        let directory = Array(gal) + groups
        let resolutions = Array((scope.hasPrefix("Contacts") ? contacts + directory : directory + contacts).prefix(100))
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

    /// Contacts of the acting mailbox whose names or e-mail addresses start with `needle`.
    private func contactResolutions(_ request: XMLElement, needle: String, full: Bool, _ context: RequestContext) -> Result<[String], EWSError> {
        var folders: [String] = []
        if (request.child("ParentFolderIds")?.children.count ?? 0) > 1 {
            return .failure(EWSError("ErrorResolveNamesOnlyOneContactsFolderAllowed", "Only one contacts folder may be searched."))
        }
        for element in request.child("ParentFolderIds")?.children ?? [] {
            switch resolveFolder(element, context) {
            case .success(let found): folders.append(found.folder.id)
            case .failure(let error): return .failure(error)
            }
        }
        // A caller without a mailbox (and no folders named) has no contacts to search.
        guard context.mailboxUser.hasMailbox else { return .success([]) }
        let owner = context.mailboxUser.primarySmtpAddress
        let items = tenant.withStore(owner) { store -> [StoredItem] in
            let ids = folders.isEmpty ? (store.folder(distinguished: "contacts").map { [$0.id] } ?? []) : folders
            return ids.flatMap { store.items(in: $0) }.filter { $0.kind == "Contact" }
        } ?? []
        let writer = ItemSerializer(shape: ItemResponseShape(), context: .getItem, folderChangeKey: { _ in "" })
        return .success(items.compactMap { item -> String? in
            guard let c = item.contact, let email = c.emails.first else { return nil }
            let names = [c.displayName, c.strings["GivenName"], c.strings["Surname"], c.strings["Nickname"]].compactMap { $0?.lowercased() }
            guard (names + c.emails.map { $0.value.lowercased() }).contains(where: { $0.hasPrefix(needle) }) else { return nil }
            let address = email.value.lowercased().hasPrefix("smtp:") ? String(email.value.dropFirst(5)) : email.value
            var x = "<t:Resolution><t:Mailbox><t:Name>\(c.displayName.xmlEscaped)</t:Name><t:EmailAddress>\(address.xmlEscaped)</t:EmailAddress>"
                + "<t:RoutingType>SMTP</t:RoutingType><t:MailboxType>Contact</t:MailboxType><t:ItemId Id=\"\(item.id)\" ChangeKey=\"\(item.changeKey)\"/></t:Mailbox>"
            if full {
                let fields = ["contacts:DisplayName", "contacts:GivenName", "contacts:CompanyName", "contacts:EmailAddresses",
                              "contacts:PhoneNumbers", "contacts:JobTitle", "contacts:Surname"]
                x += "<t:Contact>" + fields.compactMap { writer.renderContact($0, item) }.joined() + "</t:Contact>"
            }
            return x + "</t:Resolution>"
        })
    }
}
