/// A folder to address: a distinguished folder (optionally in a named mailbox) or a folder id.
package enum FolderIdentifier: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A well-known folder (`inbox`, `calendar`, ...), in `mailbox` when given.
    case distinguished(String, mailbox: String? = nil)
    /// A folder id with its change key.
    case id(String, changeKey: String?)

    /// The Inbox of the caller (or of the impersonated user).
    package static let inbox = FolderIdentifier.distinguished("inbox")

    /// The `t:` element for this folder.
    package var xml: String {
        switch self {
        case .distinguished(let name, let mailbox):
            if let mailbox {
                return "<t:DistinguishedFolderId Id=\"\(name.xmlEscaped)\"><t:Mailbox><t:EmailAddress>\(mailbox.xmlEscaped)</t:EmailAddress></t:Mailbox></t:DistinguishedFolderId>"
            }
            return "<t:DistinguishedFolderId Id=\"\(name.xmlEscaped)\"/>"
        case .id(let id, let changeKey):
            let ck = changeKey.map { " ChangeKey=\"\($0.xmlEscaped)\"" } ?? ""
            return "<t:FolderId Id=\"\(id.xmlEscaped)\"\(ck)/>"
        }
    }

    package var description: String {
        switch self {
        case .distinguished(let name, let mailbox): return mailbox.map { "\(name) of \($0)" } ?? name
        case .id(let id, _): return "folder \(id)"
        }
    }
}

/// An item id with its change key.
package struct ItemIdentifier: Sendable, Hashable, Codable {
    /// The item id.
    package var id: String
    /// The change key, when known.
    package var changeKey: String?

    /// Creates an item identifier.
    package init(id: String, changeKey: String? = nil) {
        self.id = id
        self.changeKey = changeKey
    }

    /// The `t:ItemId` element.
    package var xml: String {
        let ck = changeKey.map { " ChangeKey=\"\($0.xmlEscaped)\"" } ?? ""
        return "<t:ItemId Id=\"\(id.xmlEscaped)\"\(ck)/>"
    }
}
