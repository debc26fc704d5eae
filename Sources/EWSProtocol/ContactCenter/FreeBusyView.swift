import Foundation

/// What GetUserAvailability answers for one mailbox: the view type given, the merged string,
/// the calendar events in the window and the working hours. Event subjects are read only so
/// that the suite can recognise its own appointment; they are other people's data otherwise.
package struct FreeBusyView: Sendable, Hashable {
    /// One `CalendarEvent`.
    package struct Event: Sendable, Hashable {
        /// `StartTime` as written.
        package var startText: String
        /// `EndTime` as written.
        package var endText: String
        /// `StartTime` as an instant (nil when unreadable).
        package var start: Date?
        /// `EndTime` as an instant (nil when unreadable).
        package var end: Date?
        /// `BusyType`.
        package var busyType: String?
        /// `CalendarEventDetails/Subject`, when details are given.
        package var subject: String?
    }

    /// One `WorkingPeriod`.
    package struct WorkingPeriod: Sendable, Hashable {
        /// `DayOfWeek` (a list of day names).
        package var days: String
        /// `StartTimeInMinutes` after midnight.
        package var startMinutes: Int?
        /// `EndTimeInMinutes` after midnight.
        package var endMinutes: Int?
    }

    /// `WorkingHours`.
    package struct WorkingHours: Sendable, Hashable {
        /// `TimeZone/Bias` in minutes (UTC = local + bias), nil when there is no readable time zone.
        package var timeZoneBias: Int?
        /// Whether `TimeZone` has its `StandardTime` and `DaylightTime`.
        package var timeZoneComplete: Bool
        /// `WorkingPeriodArray`.
        package var periods: [WorkingPeriod]
    }

    /// `FreeBusyViewType`.
    package var viewType: String?
    /// `MergedFreeBusy`, when asked for.
    package var mergedFreeBusy: String?
    /// `CalendarEventArray`.
    package var events: [Event]
    /// `WorkingHours`, when given.
    package var workingHours: WorkingHours?

    /// Reads a `FreeBusyView`; times without a designator are in the zone `zoneOffsetSeconds`
    /// east of UTC (the request's).
    static func read(_ view: XMLElement, zoneOffsetSeconds: Int) -> FreeBusyView {
        let events = (view.child("CalendarEventArray")?.children("CalendarEvent") ?? []).map { e in
            let start = e.child("StartTime")?.text ?? "", end = e.child("EndTime")?.text ?? ""
            return Event(startText: start, endText: end,
                         start: AvailabilityTime.instant(start, zoneOffsetSeconds: zoneOffsetSeconds),
                         end: AvailabilityTime.instant(end, zoneOffsetSeconds: zoneOffsetSeconds),
                         busyType: e.child("BusyType")?.text, subject: e.path("CalendarEventDetails", "Subject")?.text)
        }
        let hours = view.child("WorkingHours").map { w in
            let zone = w.child("TimeZone")
            return WorkingHours(timeZoneBias: zone?.child("Bias").flatMap { Int($0.text.trimmingCharacters(in: .whitespaces)) },
                                timeZoneComplete: zone?.child("StandardTime") != nil && zone?.child("DaylightTime") != nil,
                                periods: (w.child("WorkingPeriodArray")?.children("WorkingPeriod") ?? []).map { p in
                                    WorkingPeriod(days: p.child("DayOfWeek")?.text ?? "",
                                                  startMinutes: p.child("StartTimeInMinutes").flatMap { Int($0.text.trimmingCharacters(in: .whitespaces)) },
                                                  endMinutes: p.child("EndTimeInMinutes").flatMap { Int($0.text.trimmingCharacters(in: .whitespaces)) })
                                })
        }
        return FreeBusyView(viewType: view.child("FreeBusyViewType")?.text, mergedFreeBusy: view.child("MergedFreeBusy")?.text,
                            events: events, workingHours: hours)
    }
}
