import Foundation

/// GetUserAvailability (free/busy) of mailboxes over a time window, asked in UTC (the request's
/// `t:TimeZone` has bias 0 and no daylight time, as the EWS Managed API sends for UTC). One
/// `FreeBusyResponse` per mailbox, in request order; each is a response message here.
package struct GetUserAvailability: EWSOperation {
    package static let name = "GetUserAvailability"
    /// The mailboxes' SMTP addresses.
    package var mailboxes: [String]
    /// The window's start.
    package var start: Date
    /// The window's end.
    package var end: Date
    /// `RequestedView` (`Detailed` gives events with details and the working hours).
    package var view: String
    /// `MergedFreeBusyIntervalInMinutes`.
    package var mergedIntervalMinutes: Int

    /// Creates the operation.
    package init(mailboxes: [String], start: Date, end: Date, view: String = "Detailed", mergedIntervalMinutes: Int = 30) {
        self.mailboxes = mailboxes
        self.start = start
        self.end = end
        self.view = view
        self.mergedIntervalMinutes = mergedIntervalMinutes
    }

    package var bodyXML: String {
        let noTransition = "<t:Bias>0</t:Bias><t:Time>00:00:00</t:Time><t:DayOrder>0</t:DayOrder><t:Month>0</t:Month><t:DayOfWeek>Sunday</t:DayOfWeek>"
        var xml = "<m:GetUserAvailabilityRequest><t:TimeZone><t:Bias>0</t:Bias><t:StandardTime>\(noTransition)</t:StandardTime>"
            + "<t:DaylightTime>\(noTransition)</t:DaylightTime></t:TimeZone><m:MailboxDataArray>"
        for mailbox in mailboxes {
            xml += "<t:MailboxData><t:Email><t:Address>\(mailbox.xmlEscaped)</t:Address></t:Email>"
                + "<t:AttendeeType>Required</t:AttendeeType><t:ExcludeConflicts>false</t:ExcludeConflicts></t:MailboxData>"
        }
        xml += "</m:MailboxDataArray><t:FreeBusyViewOptions><t:TimeWindow><t:StartTime>\(AvailabilityTime.wallClock(start))</t:StartTime>"
            + "<t:EndTime>\(AvailabilityTime.wallClock(end))</t:EndTime></t:TimeWindow>"
            + "<t:MergedFreeBusyIntervalInMinutes>\(mergedIntervalMinutes)</t:MergedFreeBusyIntervalInMinutes>"
            + "<t:RequestedView>\(view.xmlEscaped)</t:RequestedView></t:FreeBusyViewOptions></m:GetUserAvailabilityRequest>"
        return xml
    }

    /// Each `FreeBusyResponse`: its `ResponseMessage`, the payload (`FreeBusyView`) beside it.
    package func responseMessages(in body: ResponseElement) -> [ResponseMessageElements]? {
        guard let array = body.element.child("FreeBusyResponseArray") else { return nil }
        var pairs: [ResponseMessageElements] = []
        for response in array.children("FreeBusyResponse") {
            guard let message = response.child("ResponseMessage") else { return nil }
            pairs.append(ResponseMessageElements(message: ResponseElement(message), payload: ResponseElement(response)))
        }
        return pairs
    }

    package func payload(in message: ResponseElement) -> FreeBusyView? {
        message.element.child("FreeBusyView").map { FreeBusyView.read($0, zoneOffsetSeconds: 0) }
    }
}
