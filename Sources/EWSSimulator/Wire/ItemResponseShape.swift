import EWSProtocol

/// `m:ItemShape` as the simulator honours it: the base shape, the additional field URIs it writes
/// and extended properties, MIME content and body type. Any other shape element, and any other
/// field URI (but the listed ones no item here can have), is refused.
struct ItemResponseShape: Sendable {
    enum Base: String, Sendable { case idOnly = "IdOnly", defaultShape = "Default", allProperties = "AllProperties" }

    var base: Base = .defaultShape
    var fieldURIs: Set<String> = []
    var extended: [ExtendedFieldPath] = []
    /// Indexed field URIs asked for, with the entry keys (`contacts:EmailAddress` → EmailAddress1).
    var indexed: [String: Set<String>] = [:]
    var includeMimeContent = false
    /// `Best` (nil), `Text` or `HTML`.
    var bodyType: String?

    /// Properties no stored item has, because the simulator refuses every request that would set
    /// them (CreateItem and UpdateItem refuse them; no reminder messages or time proposals are made):
    /// leaving them out is Exchange's answer for a property an item does not have. exchangelib asks
    /// for them on every fetch of its kind.
    static let neverSet: Set<String> = [
        "message:ReminderMessageData", "meeting:ProposedStart", "meeting:ProposedEnd",
        "contacts:Alias", "contacts:Children", "contacts:Companies", "contacts:DirectReports", "contacts:DirectoryId",
        "contacts:FileAsMapping", "contacts:ManagerMailbox", "contacts:MSExchangeCertificate", "contacts:Notes",
        "contacts:PhoneticFirstName", "contacts:PhoneticFullName", "contacts:PhoneticLastName", "contacts:Photo",
        "contacts:UserSMIMECertificate",
    ]

    /// Item types the store never holds (CreateItem refuses them): their properties are accepted and,
    /// as Exchange does for a property an item's type lacks, left out of every item.
    static let kindsNeverStored: Set<Substring> = ["task", "postitem", "distributionlist", "sharingMessage"]

    /// Whether a shape may ask for a property by FieldURI: the simulator writes it, or it is one of the
    /// listed ones no item here can have. Every other is refused.
    static func accepts(_ uri: String) -> Bool {
        ItemSerializer.writtenFieldURIs.contains(uri) || neverSet.contains(uri)
            || kindsNeverStored.contains(uri.prefix { $0 != ":" })
    }

    init() {}

    init(_ element: XMLElement?) throws(EWSError) {
        guard let element else { return }
        for child in element.children {
            switch child.name {
            case "BaseShape":
                guard let b = Base(rawValue: child.text.trimmingCharacters(in: .whitespaces)) else {
                    throw EWSError.notImplemented("BaseShape \(child.text)")
                }
                base = b
            case "IncludeMimeContent":
                includeMimeContent = XSBoolean.parse(child.text) ?? false
            case "BodyType":
                let t = child.text.trimmingCharacters(in: .whitespaces)
                bodyType = t == "Best" ? nil : t
            case "AdditionalProperties":
                for path in child.children {
                    switch path.name {
                    case "FieldURI":
                        let uri = path.attribute("FieldURI") ?? ""
                        guard Self.accepts(uri) else {
                            throw EWSError.notImplemented("the item property \(uri)")
                        }
                        fieldURIs.insert(uri)
                    case "ExtendedFieldURI": extended.append(try ExtendedFieldPath(path))
                    // One entry of a contact's dictionary (`contacts:PhoneNumber` + `BusinessPhone`).
                    case "IndexedFieldURI":
                        if let uri = path.attribute("FieldURI"), let index = path.attribute("FieldIndex") {
                            indexed[uri, default: []].insert(index)
                        }
                    default: throw EWSError.notImplemented("AdditionalProperties/\(path.name)")
                    }
                }
            // Defaults that change nothing for the simulator's bodies.
            case "FilterHtmlContent" where XSBoolean.parse(child.text) == false: break
            case "ConvertHtmlCodePageToUTF8" where XSBoolean.parse(child.text) == true: break
            default:
                throw EWSError.notImplemented("ItemShape/\(child.name)")
            }
        }
    }
}

extension EWSError {
    /// How the simulator refuses a request element it does not implement (rather than accept
    /// and drop it): the code Exchange gives for an operation it cannot perform.
    static func notImplemented(_ what: String) -> EWSError {
        EWSError("ErrorInvalidOperation", "The simulated provider does not implement \(what).")
    }
}
