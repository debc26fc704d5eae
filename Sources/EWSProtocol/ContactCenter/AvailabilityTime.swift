import Foundation

/// Times as the availability service reads and writes them. A request names its time zone (the
/// suite sends UTC) and gives wall-clock times without a designator; an answer may carry an
/// offset (Exchange 2007 did) or none, meaning the request's zone. Both are read as instants.
package enum AvailabilityTime {
    /// A UTC instant as a wall-clock time without designator (`2026-12-05T06:00:00`).
    package static func wallClock(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle().year().month().day()
            .dateTimeSeparator(.standard).time(includingFractionalSeconds: false))
    }

    /// A UTC instant with the `Z` designator, as CreateItem takes it.
    package static func utc(_ date: Date) -> String { date.formatted(.iso8601) }

    /// An `xs:dateTime` of an answer as an instant: with `Z` or an offset as given, without one as
    /// a wall-clock time in the zone `offsetSeconds` east of UTC (the request's zone); nil when
    /// it is not a date-time.
    package static func instant(_ text: String, zoneOffsetSeconds: Int = 0) -> Date? {
        let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard t.count >= 19, t.count <= 40 else { return nil }
        let time = t.dropFirst(10)
        let designated = time.contains("Z") || time.contains("+") || time.contains("-")
        let full = designated ? t : t + "Z"
        guard let parsed = (try? Date(full, strategy: .iso8601))
            ?? (try? Date(full, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) else { return nil }
        return designated ? parsed : parsed.addingTimeInterval(Double(-zoneOffsetSeconds))
    }
}
