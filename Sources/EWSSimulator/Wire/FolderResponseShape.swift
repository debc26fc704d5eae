import EWSProtocol

/// `m:FolderShape` as the simulator honours it: the base shape, the folder properties it can write
/// and extended properties (a folder has only the MAPI properties the store computes, since nothing
/// can set others: `ComputedMapiProperty.values(_:of:)`; an unset one is left out, as Exchange does).
/// Any other property (managed-folder, retention and replica properties, sharing rights, search
/// parameters, indexed properties) is refused rather than left out of the answer, so a client never
/// mistakes "not implemented" for "not set".
struct FolderResponseShape: Sendable {
    enum Base: String, Sendable { case idOnly = "IdOnly", defaultShape = "Default", allProperties = "AllProperties" }

    /// The folder field URIs the simulator writes when asked (exchangelib asks for all of them on
    /// every GetFolder of a well-known folder).
    static let honoured: Set<String> = [
        "folder:FolderId", "folder:ParentFolderId", "folder:FolderClass", "folder:DisplayName", "folder:TotalCount",
        "folder:ChildFolderCount", "folder:UnreadCount", "folder:EffectiveRights", "folder:DistinguishedFolderId",
        "folder:PermissionSet",
    ]

    var base: Base = .defaultShape
    var fieldURIs: Set<String> = []
    var extended: [ExtendedFieldPath] = []

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
            case "AdditionalProperties":
                for path in child.children {
                    switch path.name {
                    case "FieldURI":
                        let uri = path.attribute("FieldURI") ?? ""
                        guard Self.honoured.contains(uri) else { throw EWSError.notImplemented("the folder property \(uri)") }
                        fieldURIs.insert(uri)
                    case "ExtendedFieldURI": extended.append(try ExtendedFieldPath(path))
                    default: throw EWSError.notImplemented("FolderShape/AdditionalProperties/\(path.name)")
                    }
                }
            default:
                throw EWSError.notImplemented("FolderShape/\(child.name)")
            }
        }
    }

    /// Whether the shape asks for a property (`inDefault`: the Default shape has it).
    func wants(_ uri: String, inDefault: Bool) -> Bool {
        switch base {
        case .allProperties: true
        case .defaultShape: inDefault || fieldURIs.contains(uri)
        case .idOnly: fieldURIs.contains(uri)
        }
    }
}
