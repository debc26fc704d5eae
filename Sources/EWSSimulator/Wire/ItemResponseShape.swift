import EWSProtocol

/// `m:ItemShape` as the simulator honours it: the base shape, the additional field URIs and
/// extended properties, MIME content and body type. Any other shape element is refused.
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
                    case "FieldURI": if let uri = path.attribute("FieldURI") { fieldURIs.insert(uri) }
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
