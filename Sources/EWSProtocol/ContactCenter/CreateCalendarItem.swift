import Foundation

/// CreateItem of one appointment in a calendar: no attendees (so nothing is sent, and
/// `SendMeetingInvitations="SendToNone"` says so), no reminder, the free/busy status it shows and
/// extended properties (the run tag). Times go as UTC instants.
package struct CreateCalendarItem: EWSOperation {
    package static let name = "CreateItem"
    /// The calendar to save into.
    package var folder: FolderIdentifier
    /// `Subject`.
    package var subject: String
    /// A plain-text body.
    package var body: String
    /// `Start`.
    package var start: Date
    /// `End`.
    package var end: Date
    /// `LegacyFreeBusyStatus` (`Free`, `Tentative`, `Busy`, `OOF`, `WorkingElsewhere`).
    package var freeBusy: String
    /// Extended properties to stamp on the item.
    package var extendedProperties: [(ExtendedPropertyPath, String)]

    /// Creates the operation.
    package init(folder: FolderIdentifier = .distinguished("calendar"), subject: String, body: String, start: Date, end: Date,
                 freeBusy: String = "Busy", extendedProperties: [(ExtendedPropertyPath, String)] = []) {
        self.folder = folder
        self.subject = subject
        self.body = body
        self.start = start
        self.end = end
        self.freeBusy = freeBusy
        self.extendedProperties = extendedProperties
    }

    package var bodyXML: String {
        // t:ItemType's fields (Subject, Body, ReminderIsSet, ExtendedProperty) come before
        // t:CalendarItemType's (Start, End, LegacyFreeBusyStatus), as the schema orders them.
        var xml = "<m:CreateItem SendMeetingInvitations=\"SendToNone\"><m:SavedItemFolderId>\(folder.xml)</m:SavedItemFolderId><m:Items><t:CalendarItem>"
        xml += "<t:Subject>\(subject.xmlEscaped)</t:Subject><t:Body BodyType=\"Text\">\(body.xmlEscaped)</t:Body><t:ReminderIsSet>false</t:ReminderIsSet>"
        for (path, value) in extendedProperties { xml += path.valueXML(value) }
        xml += "<t:Start>\(AvailabilityTime.utc(start))</t:Start><t:End>\(AvailabilityTime.utc(end))</t:End>"
        xml += "<t:LegacyFreeBusyStatus>\(freeBusy.xmlEscaped)</t:LegacyFreeBusyStatus></t:CalendarItem></m:Items></m:CreateItem>"
        return xml
    }

    package func payload(in message: ResponseElement) -> ItemInfo? {
        message.element.child("Items")?.children.first.flatMap(ItemInfo.read)
    }
}
