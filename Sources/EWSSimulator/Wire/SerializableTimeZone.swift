import EWSProtocol
import Foundation

/// The `t:TimeZone` of a GetUserAvailability request: a bias and two yearly transitions, as
/// Windows' TIME_ZONE_INFORMATION has them. Converts the request's local (zone-less) times.
struct SerializableTimeZone: Sendable {
    struct Change: Sendable {
        var bias: Int         // minutes, added to the base bias
        var secondsOfDay: Int
        var dayOrder: Int     // 1…4, 5 = last
        var month: Int        // 0 = no transition
        var weekday: Int      // 1 = Sunday
    }

    var bias: Int
    var standard: Change
    var daylight: Change

    static let utc = SerializableTimeZone(bias: 0, standard: Change(bias: 0, secondsOfDay: 0, dayOrder: 0, month: 0, weekday: 1),
                                          daylight: Change(bias: 0, secondsOfDay: 0, dayOrder: 0, month: 0, weekday: 1))

    init(bias: Int, standard: Change, daylight: Change) {
        self.bias = bias
        self.standard = standard
        self.daylight = daylight
    }

    init(_ element: XMLElement) throws(EWSError) {
        let invalid = EWSError("ErrorInvalidRequest", "The time zone in the request is invalid.")
        func change(_ e: XMLElement?) throws(EWSError) -> Change {
            guard let e, let bias = e.child("Bias").flatMap({ Int($0.text.trimmingCharacters(in: .whitespaces)) }) else { throw invalid }
            let parts = (e.child("Time")?.text ?? "00:00:00").split(separator: ":").compactMap { Int($0) }
            let seconds = (parts.first ?? 0) * 3600 + (parts.count > 1 ? parts[1] * 60 : 0) + (parts.count > 2 ? parts[2] : 0)
            let weekday = (WindowsTimeZone.weekdayNames.firstIndex(of: e.child("DayOfWeek")?.text ?? "Sunday") ?? 0) + 1
            return Change(bias: bias, secondsOfDay: seconds, dayOrder: Int(e.child("DayOrder")?.text ?? "0") ?? 0,
                          month: Int(e.child("Month")?.text ?? "0") ?? 0, weekday: weekday)
        }
        guard let b = element.child("Bias").flatMap({ Int($0.text.trimmingCharacters(in: .whitespaces)) }) else { throw invalid }
        bias = b
        standard = try change(element.child("StandardTime"))
        daylight = try change(element.child("DaylightTime"))
    }

    private var hasDaylight: Bool { standard.month != 0 && daylight.month != 0 && standard.bias != daylight.bias }

    private static var gmt: Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(secondsFromGMT: 0) ?? c.timeZone
        return c
    }

    /// The local wall-clock instant (as if UTC) of a transition in `year`.
    private func transition(_ c: Change, year: Int) -> Date? {
        let cal = Self.gmt
        guard let first = cal.date(from: DateComponents(year: year, month: c.month, day: 1)) else { return nil }
        let shift = (c.weekday - cal.component(.weekday, from: first) + 7) % 7
        var day = 1 + shift + (max(c.dayOrder, 1) - 1) * 7
        let days = cal.range(of: .day, in: .month, for: first)?.count ?? 28
        while day > days { day -= 7 }
        return cal.date(from: DateComponents(year: year, month: c.month, day: day))?.addingTimeInterval(Double(c.secondsOfDay))
    }

    /// Seconds east of UTC at a UTC instant.
    func offset(at utc: Date) -> Int {
        let standardOffset = -(bias + standard.bias) * 60
        guard hasDaylight else { return standardOffset }
        let daylightOffset = -(bias + daylight.bias) * 60
        let year = Self.gmt.component(.year, from: utc)
        guard let toDaylight = transition(daylight, year: year)?.addingTimeInterval(Double(-standardOffset)),
              let toStandard = transition(standard, year: year)?.addingTimeInterval(Double(-daylightOffset)) else { return standardOffset }
        let inDaylight = toDaylight < toStandard ? (utc >= toDaylight && utc < toStandard) : (utc >= toDaylight || utc < toStandard)
        return inDaylight ? daylightOffset : standardOffset
    }

    /// A request time: with a zone designator as given, else local time in this zone.
    func instant(_ text: String) -> Date? {
        let t = text.trimmingCharacters(in: .whitespaces)
        let time = t.dropFirst(10)
        if time.contains("Z") || time.contains("+") || time.contains("-") { return XSDateTime.parse(t) }
        guard let wall = XSDateTime.parse(t) else { return nil }
        let guess = wall.addingTimeInterval(Double(-offset(at: wall)))
        return wall.addingTimeInterval(Double(-offset(at: guess)))
    }

    /// A local, zone-less time as Availability answers carry them.
    func local(_ utc: Date) -> String {
        ItemSerializer.localDate(utc.addingTimeInterval(Double(offset(at: utc))))
    }
}
