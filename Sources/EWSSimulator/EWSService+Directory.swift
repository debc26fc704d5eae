import EWSProtocol
import Foundation

extension EWSService {
    private static func mailboxXML(_ name: String, _ address: String, type: String, element: String = "Mailbox") -> String {
        "<t:\(element)><t:Name>\(name.xmlEscaped)</t:Name><t:EmailAddress>\(address.xmlEscaped)</t:EmailAddress><t:RoutingType>SMTP</t:RoutingType><t:MailboxType>\(type)</t:MailboxType></t:\(element)>"
    }

    private static let noResults = EWSError("ErrorNameResolutionNoResults", "No results were found.")

    /// ExpandDL of a directory group (one level: nested groups are listed as PublicDL). Private
    /// distribution lists (contacts-folder items) are refused as not implemented.
    func expandDL(_ request: XMLElement, _ context: RequestContext) throws -> String {
        func answer(_ m: String) -> String { SOAPWriter.operationResponse("ExpandDL", messages: [m]) }
        guard let mailbox = request.child("Mailbox") else { return answer(SOAPWriter.error("ExpandDL", EWSError("ErrorInvalidRequest", "The request is invalid."))) }
        if mailbox.child("ItemId") != nil { return answer(SOAPWriter.error("ExpandDL", .notImplemented("expanding private distribution lists"))) }
        let address = (mailbox.child("EmailAddress")?.text ?? "").trimmingCharacters(in: .whitespaces)
        guard let group = tenant.group(smtp: address.lowercased().hasPrefix("smtp:") ? String(address.dropFirst(5)) : address) else {
            return answer(SOAPWriter.error("ExpandDL", Self.noResults))
        }
        let members = quirks.contains(.expandDLEmpty) ? [] : group.members.compactMap { member -> String? in
            if let g = tenant.group(smtp: member) { return Self.mailboxXML(g.displayName, g.primarySmtpAddress, type: "PublicDL") }
            if let u = tenant.user(primarySmtp: member) { return Self.mailboxXML(u.displayName, u.primarySmtpAddress, type: "Mailbox") }
            return nil
        }
        return answer(SOAPWriter.success("ExpandDL", payload: "<m:DLExpansion TotalItemsInView=\"\(members.count)\" IncludesLastItemInRange=\"true\">\(members.joined())</m:DLExpansion>"))
    }

    /// GetRoomLists: the tenant's room lists.
    func getRoomLists(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let lists = tenant.allGroups.filter(\.isRoomList).map { Self.mailboxXML($0.displayName, $0.primarySmtpAddress, type: "PublicDL", element: "Address") }
        return "<m:GetRoomListsResponse ResponseClass=\"Success\" xmlns:m=\"\(SOAPWriter.messagesNS)\" xmlns:t=\"\(SOAPWriter.typesNS)\">"
            + "<m:ResponseCode>NoError</m:ResponseCode><m:RoomLists>\(lists.joined())</m:RoomLists></m:GetRoomListsResponse>"
    }

    /// GetRooms: the rooms of a room list.
    func getRooms(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let open = "xmlns:m=\"\(SOAPWriter.messagesNS)\" xmlns:t=\"\(SOAPWriter.typesNS)\""
        let address = (request.path("RoomList", "EmailAddress")?.text ?? "").trimmingCharacters(in: .whitespaces)
        guard let list = tenant.group(smtp: address), list.isRoomList else {
            return "<m:GetRoomsResponse ResponseClass=\"Error\" \(open)><m:MessageText>\(Self.noResults.message)</m:MessageText>"
                + "<m:ResponseCode>\(Self.noResults.code)</m:ResponseCode><m:DescriptiveLinkKey>0</m:DescriptiveLinkKey></m:GetRoomsResponse>"
        }
        let rooms = list.members.compactMap { tenant.user(primarySmtp: $0) }.filter(\.isRoom).map {
            "<t:Room>" + Self.mailboxXML($0.displayName, $0.primarySmtpAddress, type: "Mailbox", element: "Id") + "</t:Room>"
        }
        return "<m:GetRoomsResponse ResponseClass=\"Success\" \(open)><m:ResponseCode>NoError</m:ResponseCode><m:Rooms>\(rooms.joined())</m:Rooms></m:GetRoomsResponse>"
    }
}
