import Foundation

/// The time limits of a run: the overall limit cancels the body when it passes (its in-flight
/// requests are aborted and the checks not started are skipped), and the caller learns it; the
/// deadline (`--deadline`) only stops new checks from starting, letting those under way finish.
package enum RunDeadline {
    private enum Event: Sendable { case finished, timedOut, deadlinePassed, cancelled }

    /// Runs `body`; returns true when the overall limit cut it short. When `stopAt` passes first,
    /// `onDeadline` is called once (it stops new checks) and the body runs on to its end, still
    /// under the overall limit.
    static func run(seconds: Double, stopAt: Date? = nil, onDeadline: @escaping @Sendable () -> Void = {},
                    _ body: @escaping @Sendable () async -> Void) async -> Bool {
        await withTaskGroup(of: Event.self) { group in
            group.addTask {
                await body()
                return .finished
            }
            group.addTask {
                do {
                    try await Task.sleep(for: .milliseconds(Int(min(seconds, 86_400) * 1000)))
                } catch {
                    return .cancelled
                }
                return .timedOut
            }
            if let stopAt {
                group.addTask {
                    let wait = max(0, min(stopAt.timeIntervalSinceNow, 366 * 86_400))
                    do {
                        try await Task.sleep(for: .milliseconds(Int(wait * 1000)))
                    } catch {
                        return .cancelled
                    }
                    onDeadline()
                    return .deadlinePassed
                }
            }
            var timedOut = false
            loop: while let event = await group.next() {
                switch event {
                case .finished: break loop
                case .timedOut:
                    timedOut = true
                    break loop
                case .deadlinePassed, .cancelled: continue
                }
            }
            group.cancelAll()
            // The body winds down (cleanup of what it created is the caller's, after this).
            while await group.next() != nil {}
            return timedOut
        }
    }

    /// Reads a `--deadline`: a duration from `now` (`90s`, `30m`, `2h`, `1h30m`, `1d`) or an
    /// ISO 8601 time (`2026-12-05T06:35:00Z`, `2026-12-05T07:35:00+01:00`).
    /// - Throws: ``TargetFileError`` naming what is wrong: unreadable, zero, or already past.
    package static func parse(_ text: String, now: Date = Date()) throws(TargetFileError) -> Date {
        let t = text.trimmingCharacters(in: .whitespaces)
        if let seconds = duration(t) {
            guard seconds > 0 else { throw TargetFileError("--deadline '\(text)' is a duration of zero; give a positive one (30m, 2h) or a time") }
            return now.addingTimeInterval(seconds)
        }
        let iso = ISO8601DateFormatter()
        var date = iso.date(from: t)
        if date == nil {
            iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            date = iso.date(from: t)
        }
        guard let date else {
            throw TargetFileError("--deadline '\(text)' is neither a duration (90s, 30m, 2h, 1h30m) nor an ISO 8601 time with its zone (2026-12-05T06:35:00Z)")
        }
        guard date > now else {
            throw TargetFileError("--deadline \(text) is already past (now is \(describe(now))): give a later time or a duration")
        }
        return date
    }

    /// `1h30m` → 5400; nil when `text` is not a sequence of number+unit (s, m, h, d).
    static func duration(_ text: String) -> Double? {
        guard !text.isEmpty else { return nil }
        var total = 0.0, number = "", sawUnit = false
        for c in text.lowercased() {
            if c.isASCII, c.isNumber || c == "." {
                number.append(c)
                continue
            }
            let unit: Double
            switch c {
            case "s": unit = 1
            case "m": unit = 60
            case "h": unit = 3600
            case "d": unit = 86_400
            default: return nil
            }
            guard let value = Double(number), value.isFinite else { return nil }
            total += value * unit
            number = ""
            sawUnit = true
        }
        guard number.isEmpty, sawUnit, total <= 366 * 86_400 else { return nil }
        return total
    }

    /// A time as reports show it: ISO 8601, UTC, whole seconds.
    package static func describe(_ date: Date) -> String {
        ISO8601DateFormatter().string(from: date)
    }

    /// The reason a check the deadline kept from starting is skipped with.
    package static func skipReason(_ deadline: Date) -> String {
        "the run's deadline (\(describe(deadline))) passed before it started"
    }
}
