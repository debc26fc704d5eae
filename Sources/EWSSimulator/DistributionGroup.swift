/// A distribution group of the simulated directory (or, with `isRoomList`, a room list).
package struct DistributionGroup: Sendable, Hashable {
    /// The group's primary SMTP address (lower-case).
    package var primarySmtpAddress: String
    /// The display name.
    package var displayName: String
    /// Members' primary SMTP addresses: users, rooms or other groups.
    package var members: [String]
    /// Whether the group is a room list (GetRoomLists lists it; its members are rooms).
    package var isRoomList: Bool

    /// Creates a group.
    package init(primarySmtpAddress: String, displayName: String, members: [String], isRoomList: Bool = false) {
        self.primarySmtpAddress = primarySmtpAddress.lowercased()
        self.displayName = displayName
        self.members = members.map { $0.lowercased() }
        self.isRoomList = isRoomList
    }
}
