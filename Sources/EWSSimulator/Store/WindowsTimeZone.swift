import Foundation

/// A Windows time zone as Exchange names it (`W. Europe Standard Time`), backed by the IANA zone
/// with the same rules. Its daylight-saving rules are read from the system's zone data, so the
/// definitions GetServerTimeZones writes and the times a calendar expands agree.
struct WindowsTimeZone: Sendable {
    var id: String
    var name: String
    var iana: String

    /// The zones the simulated server knows (a subset of Windows' list: the ones contact centres
    /// in the product's markets use). Any other id is `ErrorTimeZone`.
    static let all: [WindowsTimeZone] = [
        .init(id: "Dateline Standard Time", name: "(UTC-12:00) International Date Line West", iana: "Etc/GMT+12"),
        .init(id: "Hawaiian Standard Time", name: "(UTC-10:00) Hawaii", iana: "Pacific/Honolulu"),
        .init(id: "Alaskan Standard Time", name: "(UTC-09:00) Alaska", iana: "America/Anchorage"),
        .init(id: "Pacific Standard Time", name: "(UTC-08:00) Pacific Time (US & Canada)", iana: "America/Los_Angeles"),
        .init(id: "Mountain Standard Time", name: "(UTC-07:00) Mountain Time (US & Canada)", iana: "America/Denver"),
        .init(id: "US Mountain Standard Time", name: "(UTC-07:00) Arizona", iana: "America/Phoenix"),
        .init(id: "Central Standard Time", name: "(UTC-06:00) Central Time (US & Canada)", iana: "America/Chicago"),
        .init(id: "Eastern Standard Time", name: "(UTC-05:00) Eastern Time (US & Canada)", iana: "America/New_York"),
        .init(id: "E. South America Standard Time", name: "(UTC-03:00) Brasilia", iana: "America/Sao_Paulo"),
        .init(id: "UTC", name: "(UTC) Coordinated Universal Time", iana: "UTC"),
        .init(id: "GMT Standard Time", name: "(UTC+00:00) Dublin, Edinburgh, Lisbon, London", iana: "Europe/London"),
        .init(id: "Greenwich Standard Time", name: "(UTC+00:00) Monrovia, Reykjavik", iana: "Atlantic/Reykjavik"),
        .init(id: "W. Europe Standard Time", name: "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna", iana: "Europe/Berlin"),
        .init(id: "Romance Standard Time", name: "(UTC+01:00) Brussels, Copenhagen, Madrid, Paris", iana: "Europe/Paris"),
        .init(id: "Central Europe Standard Time", name: "(UTC+01:00) Belgrade, Bratislava, Budapest, Ljubljana, Prague", iana: "Europe/Budapest"),
        .init(id: "FLE Standard Time", name: "(UTC+02:00) Helsinki, Kyiv, Riga, Sofia, Tallinn, Vilnius", iana: "Europe/Helsinki"),
        .init(id: "South Africa Standard Time", name: "(UTC+02:00) Harare, Pretoria", iana: "Africa/Johannesburg"),
        .init(id: "Russian Standard Time", name: "(UTC+03:00) Moscow, St. Petersburg", iana: "Europe/Moscow"),
        .init(id: "Arabian Standard Time", name: "(UTC+04:00) Abu Dhabi, Muscat", iana: "Asia/Dubai"),
        .init(id: "India Standard Time", name: "(UTC+05:30) Chennai, Kolkata, Mumbai, New Delhi", iana: "Asia/Kolkata"),
        .init(id: "Singapore Standard Time", name: "(UTC+08:00) Kuala Lumpur, Singapore", iana: "Asia/Singapore"),
        .init(id: "China Standard Time", name: "(UTC+08:00) Beijing, Chongqing, Hong Kong, Urumqi", iana: "Asia/Shanghai"),
        .init(id: "Tokyo Standard Time", name: "(UTC+09:00) Osaka, Sapporo, Tokyo", iana: "Asia/Tokyo"),
        .init(id: "AUS Eastern Standard Time", name: "(UTC+10:00) Canberra, Melbourne, Sydney", iana: "Australia/Sydney"),
        .init(id: "New Zealand Standard Time", name: "(UTC+12:00) Auckland, Wellington", iana: "Pacific/Auckland"),
    ]

    static let utc = WindowsTimeZone(id: "UTC", name: "(UTC) Coordinated Universal Time", iana: "UTC")

    static func named(_ id: String) -> WindowsTimeZone? {
        let wanted = id.trimmingCharacters(in: .whitespaces)
        return all.first { $0.id.caseInsensitiveCompare(wanted) == .orderedSame }
    }

    var timeZone: TimeZone { TimeZone(identifier: iana) ?? TimeZone(secondsFromGMT: 0) ?? .current }

    /// A yearly transition: the local (pre-transition) time of day on the `occurrence`-th
    /// `weekday` (1 = Sunday) of `month`; occurrence -1 is the last one.
    struct Rule: Sendable, Equatable {
        var month: Int
        var weekday: Int
        var occurrence: Int
        var secondsOfDay: Int
    }

    /// The zone's rules in `year`: standard offset, daylight offset and the two transitions (nil
    /// for a zone without daylight saving time).
    struct Rules: Sendable {
        var standardOffset: Int
        var daylight: (offset: Int, start: Rule, end: Rule)?
    }

    func rules(year: Int = Calendar(identifier: .gregorian).component(.year, from: Date())) -> Rules {
        let tz = timeZone
        var gmt = Calendar(identifier: .gregorian)
        gmt.timeZone = TimeZone(secondsFromGMT: 0) ?? gmt.timeZone
        guard let january = gmt.date(from: DateComponents(year: year, month: 1, day: 1)),
              let first = tz.nextDaylightSavingTimeTransition(after: january),
              let second = tz.nextDaylightSavingTimeTransition(after: first),
              gmt.component(.year, from: second) == year else {
            let mid = gmt.date(from: DateComponents(year: year, month: 1, day: 15)) ?? Date()
            return Rules(standardOffset: tz.secondsFromGMT(for: mid) - Int(tz.daylightSavingTimeOffset(for: mid)), daylight: nil)
        }
        func rule(_ instant: Date) -> Rule {
            let local = instant.addingTimeInterval(Double(tz.secondsFromGMT(for: instant.addingTimeInterval(-1))))
            let c = gmt.dateComponents([.month, .day, .weekday, .hour, .minute, .second], from: local)
            let days = gmt.range(of: .day, in: .month, for: local)?.count ?? 31
            let day = c.day ?? 1
            return Rule(month: c.month ?? 1, weekday: c.weekday ?? 1, occurrence: day + 7 > days ? -1 : (day - 1) / 7 + 1,
                        secondsOfDay: (c.hour ?? 0) * 3600 + (c.minute ?? 0) * 60 + (c.second ?? 0))
        }
        let toDaylightFirst = tz.isDaylightSavingTime(for: first.addingTimeInterval(1))
        let (start, end) = toDaylightFirst ? (first, second) : (second, first)
        let std = tz.secondsFromGMT(for: end.addingTimeInterval(1))
        let dst = tz.secondsFromGMT(for: start.addingTimeInterval(1))
        return Rules(standardOffset: std, daylight: (dst, rule(start), rule(end)))
    }

    static let weekdayNames = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

    /// `-PT1H`-style bias (Exchange's bias is the negated UTC offset).
    static func bias(_ offsetSeconds: Int) -> String {
        let minutes = -offsetSeconds / 60
        if minutes == 0 { return "PT0M" }
        let sign = minutes < 0 ? "-" : ""
        let m = abs(minutes)
        return sign + "PT" + (m / 60 > 0 ? "\(m / 60)H" : "") + (m % 60 > 0 ? "\(m % 60)M" : "")
    }

    static func duration(_ seconds: Int) -> String {
        let h = seconds / 3600, m = seconds % 3600 / 60, s = seconds % 60
        if seconds == 0 { return "PT0H" }
        return "PT" + (h > 0 ? "\(h)H" : "") + (m > 0 ? "\(m)M" : "") + (s > 0 ? "\(s)S" : "")
    }

    /// `<t:TimeZoneDefinition>` as GetServerTimeZones writes it (with or without the rules).
    func definitionXML(full: Bool, element: String = "TimeZoneDefinition") -> String {
        let open = "<t:\(element) Id=\"\(id.xmlEscaped)\" Name=\"\(name.xmlEscaped)\""
        guard full else { return open + "/>" }
        let r = rules()
        let prefix = "trule:Microsoft/Registry/\(id.xmlEscaped)/2006"
        var x = open + "><t:Periods><t:Period Bias=\"\(Self.bias(r.standardOffset))\" Name=\"Standard\" Id=\"\(prefix)-Standard\"/>"
        guard let daylight = r.daylight else {
            return x + "</t:Periods><t:TransitionsGroups><t:TransitionsGroup Id=\"0\"><t:Transition><t:To Kind=\"Period\">\(prefix)-Standard</t:To></t:Transition></t:TransitionsGroup></t:TransitionsGroups>"
                + "<t:Transitions><t:Transition><t:To Kind=\"Group\">0</t:To></t:Transition></t:Transitions></t:\(element)>"
        }
        x += "<t:Period Bias=\"\(Self.bias(daylight.offset))\" Name=\"Daylight\" Id=\"\(prefix)-Daylight\"/></t:Periods>"
        func transition(_ rule: Rule, to period: String) -> String {
            "<t:RecurringDayTransition><t:To Kind=\"Period\">\(prefix)-\(period)</t:To><t:TimeOffset>\(Self.duration(rule.secondsOfDay))</t:TimeOffset>"
                + "<t:Month>\(rule.month)</t:Month><t:DayOfWeek>\(Self.weekdayNames[rule.weekday - 1])</t:DayOfWeek><t:Occurrence>\(rule.occurrence)</t:Occurrence></t:RecurringDayTransition>"
        }
        x += "<t:TransitionsGroups><t:TransitionsGroup Id=\"0\">" + transition(daylight.start, to: "Daylight") + transition(daylight.end, to: "Standard")
            + "</t:TransitionsGroup></t:TransitionsGroups><t:Transitions><t:Transition><t:To Kind=\"Group\">0</t:To></t:Transition></t:Transitions>"
        return x + "</t:\(element)>"
    }

    /// `t:SerializableTimeZone` content (GetUserAvailability's working hours): bias in minutes.
    func serializableXML() -> String {
        let r = rules()
        func time(_ bias: Int, _ rule: Rule?) -> String {
            let rule = rule ?? Rule(month: 0, weekday: 1, occurrence: 0, secondsOfDay: 0)
            let t = String(format: "%02d:%02d:%02d", rule.secondsOfDay / 3600, rule.secondsOfDay % 3600 / 60, rule.secondsOfDay % 60)
            return "<t:Bias>\(bias)</t:Bias><t:Time>\(t)</t:Time><t:DayOrder>\(rule.occurrence == -1 ? 5 : rule.occurrence)</t:DayOrder>"
                + "<t:Month>\(rule.month)</t:Month><t:DayOfWeek>\(Self.weekdayNames[rule.weekday - 1])</t:DayOfWeek>"
        }
        let dstBias = r.daylight.map { -($0.offset - r.standardOffset) / 60 } ?? 0
        return "<t:Bias>\(-r.standardOffset / 60)</t:Bias><t:StandardTime>\(time(0, r.daylight?.end))</t:StandardTime>"
            + "<t:DaylightTime>\(time(dstBias, r.daylight?.start))</t:DaylightTime>"
    }
}
