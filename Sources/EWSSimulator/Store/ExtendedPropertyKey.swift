import Foundation

/// Which extended (MAPI) property: a property tag, or a named property (a property set and a
/// name or numeric id), always with its type. Two paths that name the same property (a
/// distinguished set and its GUID) make equal keys.
struct ExtendedPropertyKey: Sendable, Hashable {
    enum Identity: Sendable, Hashable {
        /// A 16-bit property id (`PropertyTag`).
        case tag(UInt16)
        /// A named property with a string name, in the property set with this GUID (lower-case).
        case name(set: String, name: String)
        /// A named property with a numeric id.
        case id(set: String, id: Int32)
    }

    var identity: Identity
    var type: MapiPropertyType

    /// The GUIDs of the distinguished property sets (MS-OXPROPS, "Commonly Used Property Sets").
    static let distinguishedSets: [String: String] = [
        "Meeting": "6ed8da90-450b-101b-98da-00aa003f1305",
        "Appointment": "00062002-0000-0000-c000-000000000046",
        "Common": "00062008-0000-0000-c000-000000000046",
        "PublicStrings": "00020329-0000-0000-c000-000000000046",
        "Address": "00062004-0000-0000-c000-000000000046",
        "InternetHeaders": "00020386-0000-0000-c000-000000000046",
        "CalendarAssistant": "11000e07-b51b-40d6-af21-caa85edab1d0",
        "UnifiedMessaging": "4442858e-a9e3-4e80-b900-317a210cc15b",
        "Task": "00062003-0000-0000-c000-000000000046",
        "Sharing": "00062040-0000-0000-c000-000000000046",
    ]
}
