import Foundation

/// What a contact has beyond the properties every item has: its names and texts by element
/// name, and the indexed e-mail addresses and phone numbers.
struct ContactData: Sendable {
    struct Entry: Sendable, Equatable {
        var key: String
        var value: String
        var name: String? = nil
    }

    var strings: [String: String] = [:]
    var dates: [String: Date] = [:]
    var emails: [Entry] = []
    var phones: [Entry] = []

    /// The contact's text properties in `t:ContactItemType` order (the ones the simulator keeps).
    static let order: [(element: String, isDate: Bool)] = [
        ("FileAs", false), ("DisplayName", false), ("GivenName", false), ("Initials", false), ("MiddleName", false),
        ("Nickname", false), ("CompanyName", false), ("@EmailAddresses", false), ("@PhoneNumbers", false),
        ("AssistantName", false), ("Birthday", true), ("BusinessHomePage", false), ("Department", false), ("Generation", false),
        ("JobTitle", false), ("Manager", false), ("Mileage", false), ("OfficeLocation", false), ("PostalAddressIndex", false), ("Profession", false),
        ("SpouseName", false), ("Surname", false), ("WeddingAnniversary", true),
    ]

    static let keptElements: Set<String> = Set(order.map(\.element).filter { !$0.hasPrefix("@") })

    /// The name Exchange shows for the contact: DisplayName, else given and surname, else company.
    var displayName: String {
        if let d = strings["DisplayName"], !d.isEmpty { return d }
        let parts = [strings["GivenName"], strings["MiddleName"], strings["Surname"]].compactMap { $0 }.filter { !$0.isEmpty }
        return parts.isEmpty ? (strings["CompanyName"] ?? "") : parts.joined(separator: " ")
    }
}
