import Foundation

/// An attendee of a meeting (`t:AttendeeType`).
struct StoredAttendee: Sendable {
    var address: StoredAddress
    var response: String = "Unknown"
}

/// What a modified occurrence (an exception) changes of its recurring master's occurrence.
struct OccurrenceOverride: Sendable {
    var start: Date
    var end: Date
    var subject: String
    var location: String?
    var freeBusy: String
    var body: String
    var bodyType: String
}

/// What a calendar item has beyond the properties every item has.
struct CalendarData: Sendable {
    var uid: String
    var start: Date
    var end: Date
    var isAllDay = false
    /// `Free`, `Tentative`, `Busy`, `OOF`, `WorkingElsewhere`, `NoData`.
    var freeBusy = "Busy"
    var location: String?
    var when: String?
    var isResponseRequested: Bool?
    var organizer: StoredAddress?
    var isOrganizer = true
    var myResponse = "Organizer"
    var required: [StoredAttendee] = []
    var optional: [StoredAttendee] = []
    var resources: [StoredAttendee] = []
    var recurrence: Recurrence?
    var startZone = WindowsTimeZone.utc
    var endZone = WindowsTimeZone.utc
    var conferenceType: Int?
    var allowNewTimeProposal: Bool?
    var meetingWorkspaceUrl: String?
    var netShowUrl: String?
    var meetingRequestWasSent = false
    var sequence = 0
    /// Original starts of the occurrences deleted from a recurring master.
    var deletedOccurrences: Set<Date> = []
    /// Modified occurrences of a recurring master, by original start.
    var modified: [Date: OccurrenceOverride] = [:]
    /// Set on an occurrence that has been modified (`Exception`).
    var isException = false
    /// Set on an occurrence made from its master: `Occurrence`.
    var originalStart: Date?

    var isMeeting: Bool { !(required.isEmpty && optional.isEmpty && resources.isEmpty) }

    /// `Single`, `RecurringMaster` or `Occurrence`.
    var itemType: String {
        if originalStart != nil { return isException ? "Exception" : "Occurrence" }
        return recurrence == nil ? "Single" : "RecurringMaster"
    }

    /// A new iCalendar UID in the form Exchange makes (a Global Object Id in hex).
    static func newUID() -> String {
        "040000008200E00074C5B7101A82E00800000000" + (0..<36).map { _ in String(format: "%02X", UInt8.random(in: 0...255)) }.joined()
    }

    /// The start instants of the occurrences (deleted ones left out) up to `limit`; for a single
    /// item, its own start.
    func occurrenceStarts(until limit: Date?) -> [Date] {
        guard let recurrence else { return [start] }
        return recurrence.starts(timeOfDay: start, zone: startZone.timeZone, until: limit).filter { !deletedOccurrences.contains($0) }
    }

    /// Every occurrence start a bounded range has (nil for a range without end).
    var allOccurrenceStarts: [Date]? {
        guard let recurrence else { return [start] }
        if case .never = recurrence.end { return nil }
        return recurrence.starts(timeOfDay: start, zone: startZone.timeZone, until: nil).filter { !deletedOccurrences.contains($0) }
    }
}
