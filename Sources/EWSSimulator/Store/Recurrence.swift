import Foundation

/// The recurrence of a recurring master (`t:RecurrenceType`): a pattern and a range, expanded in
/// the master's time zone so a daily 09:00 meeting stays at 09:00 local across daylight saving.
struct Recurrence: Sendable, Equatable {
    enum Pattern: Sendable, Equatable {
        case daily(interval: Int)
        /// Weekdays are 1 (Sunday) … 7 (Saturday), as Foundation numbers them.
        case weekly(interval: Int, days: [Int], firstDayOfWeek: Int)
        case absoluteMonthly(interval: Int, day: Int)
        case absoluteYearly(month: Int, day: Int)
        /// The `index`th (1 … 4, or 5 for Last) of `days` in every `interval`th month: "the second
        /// Tuesday", "the last weekday" (`days` holds every weekday the DaysOfWeek value stands for).
        case relativeMonthly(interval: Int, days: [Int], index: Int)
        /// The same in one month (1 … 12) of every year.
        case relativeYearly(month: Int, days: [Int], index: Int)
    }

    /// DayOfWeekIndex `Last`.
    static let lastIndex = 5

    enum End: Sendable, Equatable {
        case never
        case date(DateComponents)
        case count(Int)
    }

    var pattern: Pattern
    var startDate: DateComponents
    var end: End

    /// Occurrences are computed at most this far (Exchange caps expansion the same way).
    static let maximumOccurrences = 10_000

    private static func calendar(_ zone: TimeZone) -> Calendar {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = zone
        return c
    }

    /// The local dates (year, month, day) of the occurrences, in order, until `limit` (a local
    /// date after which nothing is needed) or the range's end.
    func dates(until limit: DateComponents?, zone: TimeZone) -> [DateComponents] {
        let cal = Self.calendar(zone)
        guard let first = cal.date(from: DateComponents(year: startDate.year, month: startDate.month, day: startDate.day, hour: 12)) else { return [] }
        let endDay: Date? = {
            switch end {
            case .date(let d): return cal.date(from: DateComponents(year: d.year, month: d.month, day: d.day, hour: 12))
            default: return nil
            }
        }()
        let limitDay = limit.flatMap { cal.date(from: DateComponents(year: $0.year, month: $0.month, day: $0.day, hour: 12)) }
        var result: [DateComponents] = []
        func accept(_ day: Date) -> Bool {
            if let endDay, day > endDay { return false }
            if let limitDay, day > limitDay { return false }
            if case .count(let n) = end, result.count >= n { return false }
            if result.count >= Self.maximumOccurrences { return false }
            result.append(cal.dateComponents([.year, .month, .day], from: day))
            return true
        }
        func day(_ base: Date, plus days: Int) -> Date? { cal.date(byAdding: .day, value: days, to: base) }
        switch pattern {
        case .daily(let interval):
            var n = 0
            while let d = day(first, plus: n * max(interval, 1)), accept(d) { n += 1 }
        case .weekly(let interval, let days, let firstDayOfWeek):
            guard !days.isEmpty else { return [] }
            // The week (starting on firstDayOfWeek) that contains the start date.
            let weekday = cal.component(.weekday, from: first)
            let back = (weekday - firstDayOfWeek + 7) % 7
            guard let weekStart = day(first, plus: -back) else { return [] }
            let offsets = days.map { ($0 - firstDayOfWeek + 7) % 7 }.sorted()
            var week = 0
            outer: while true {
                for offset in offsets {
                    guard let d = day(weekStart, plus: week * 7 * max(interval, 1) + offset) else { break outer }
                    if d < first { continue }
                    if !accept(d) { break outer }
                }
                week += 1
            }
        case .absoluteMonthly(let interval, let dayOfMonth):
            var n = 0
            while n < Self.maximumOccurrences {
                guard let month = cal.date(byAdding: .month, value: n * max(interval, 1), to: cal.date(from: DateComponents(year: startDate.year, month: startDate.month, day: 1, hour: 12)) ?? first) else { break }
                let days = cal.range(of: .day, in: .month, for: month)?.count ?? 28
                if let d = day(month, plus: min(dayOfMonth, days) - 1), d >= first, !accept(d) { break }
                n += 1
            }
        case .absoluteYearly(let m, let dayOfMonth):
            var year = startDate.year ?? 2000
            while result.count < Self.maximumOccurrences {
                guard let month = cal.date(from: DateComponents(year: year, month: m, day: 1, hour: 12)) else { break }
                let days = cal.range(of: .day, in: .month, for: month)?.count ?? 28
                if let d = day(month, plus: min(dayOfMonth, days) - 1), d >= first, !accept(d) { break }
                year += 1
                if let limitDay, month > limitDay, endDay == nil, case .never = end { break }
            }
        case .relativeMonthly(let interval, let days, let index):
            var n = 0
            while n < Self.maximumOccurrences {
                guard let month = cal.date(byAdding: .month, value: n * max(interval, 1), to: cal.date(from: DateComponents(year: startDate.year, month: startDate.month, day: 1, hour: 12)) ?? first) else { break }
                if let d = Self.relativeDay(in: month, days: days, index: index, calendar: cal), d >= first, !accept(d) { break }
                if let limitDay, month > limitDay { break }
                n += 1
            }
        case .relativeYearly(let m, let days, let index):
            var year = startDate.year ?? 2000
            while result.count < Self.maximumOccurrences {
                guard let month = cal.date(from: DateComponents(year: year, month: m, day: 1, hour: 12)) else { break }
                if let d = Self.relativeDay(in: month, days: days, index: index, calendar: cal), d >= first, !accept(d) { break }
                if let limitDay, month > limitDay { break }
                year += 1
            }
        }
        return result
    }

    /// The `index`th day of `month` (noon of its first day) whose weekday is one of `days`; the last
    /// such day for ``lastIndex``.
    static func relativeDay(in month: Date, days: [Int], index: Int, calendar cal: Calendar) -> Date? {
        let length = cal.range(of: .day, in: .month, for: month)?.count ?? 28
        let matching = (0..<length).compactMap { offset -> Date? in
            guard let d = cal.date(byAdding: .day, value: offset, to: month) else { return nil }
            return days.contains(cal.component(.weekday, from: d)) ? d : nil
        }
        if index == lastIndex { return matching.last }
        return index >= 1 && index <= matching.count ? matching[index - 1] : nil
    }

    /// The start instants of the occurrences whose local date is at most `limit`'s.
    func starts(timeOfDay master: Date, zone: TimeZone, until limit: Date?) -> [Date] {
        let cal = Self.calendar(zone)
        let time = cal.dateComponents([.hour, .minute, .second], from: master)
        let limitDate = limit.map { cal.dateComponents([.year, .month, .day], from: $0) }
        if case .never = end, limitDate == nil { return [] }
        return dates(until: limitDate, zone: zone).compactMap {
            cal.date(from: DateComponents(year: $0.year, month: $0.month, day: $0.day, hour: time.hour, minute: time.minute, second: time.second))
        }
    }
}
