import EWSProtocol
import EWSTransport
import Foundation

extension CheckContext {
    func freeBusy(_ mailbox: String) async -> Verdict {
        // Whole minutes, six minutes from now, half an hour long: in the next hour, and exact on the wire.
        let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60 + 6 * 60)
        let end = start.addingTimeInterval(30 * 60)
        let tag = RunTag(runID: runID)
        let subject = "ewscheck presence: busy \(tag.subjectMarker)"
        let op = CreateCalendarItem(subject: subject, body: "Created by ewscheck run \(runID) to test free/busy; safe to delete.",
                                    start: start, end: end, freeBusy: "Busy", extendedProperties: [tag.extendedProperty])
        let span = "\(AvailabilityTime.utc(start))–\(AvailabilityTime.utc(end))"
        var evidence: [HTTPExchange?] = []
        do throws(VerdictBox) {
            let (_, x1) = try await createLedgered(op, mailbox: mailbox, subject: subject, by: CheckCatalog.presenceFreeBusy,
                                                   what: "CreateItem of a Busy calendar item in \(mailbox)'s Calendar").get()
            evidence.append(x1)
            let (view, x2) = try await availability(mailbox, from: start.addingTimeInterval(-3600), to: end.addingTimeInterval(3600)).get()
            evidence.append(x2)
            var facts = ["created_start": AvailabilityTime.utc(start), "created_end": AvailabilityTime.utc(end),
                         "events_in_window": String(view.events.count)]
            facts["view_type"] = view.viewType
            // The suite's appointment: the event at its times, else the one with its marker (Detailed
            // views of one's own calendar carry subjects); other events' subjects are never recorded.
            let exact = view.events.first { $0.start == start && $0.end == end }
            guard let event = exact ?? view.events.first(where: { $0.subject?.contains(tag.subjectMarker) == true }) else {
                return .failed("GetUserAvailability of \(mailbox) shows no CalendarEvent for the Busy calendar item the suite created at \(span) (\(view.events.count) other event(s) in the window): presence would show the user free",
                               evidence, facts: facts)
            }
            facts["event_start"] = event.startText
            facts["event_end"] = event.endText
            facts["busy_type"] = event.busyType ?? "(absent)"
            guard event.start == start, event.end == end else {
                let readable = event.start != nil && event.end != nil
                return .failed("GetUserAvailability of \(mailbox) shows the calendar item created for \(span) "
                               + (readable ? "from \(AvailabilityTime.utc(event.start ?? start)) to \(AvailabilityTime.utc(event.end ?? end))"
                                           : "with unreadable times")
                               + " (as written: \(event.startText) to \(event.endText)): its times differ", evidence, facts: facts)
            }
            guard event.busyType == "Busy" else {
                return .failed("GetUserAvailability of \(mailbox) shows the calendar item created Busy for \(span) as BusyType \(event.busyType ?? "(absent)"), not Busy: presence would show the wrong status",
                               evidence, facts: facts)
            }
            return .passed("GetUserAvailability of \(mailbox) shows the calendar item the suite created as a Busy CalendarEvent at \(span) (written \(event.startText) to \(event.endText))",
                           evidence, facts: facts)
        } catch {
            return error.verdict.citing(before: evidence)
        }
    }

    func oofSettings(_ mailbox: String) async -> Verdict {
        let call = await client.perform(GetUserOofSettings(mailbox: mailbox), impersonating: connectingSID(mailbox))
        var facts = Self.callFacts(call)
        guard call.messages.count == 1, let m = call.messages.first else { return failure(of: call, doing: "GetUserOofSettings of \(mailbox)") }
        guard m.responseClass == .success else {
            return .failed("GetUserOofSettings of \(mailbox) answered \(m.responseClass.rawValue) \(m.responseCode)\(m.messageText.map { " (\"\($0)\")" } ?? ""): the out-of-office state that drives presence cannot be read",
                           [call.exchange], facts: facts)
        }
        guard let oof = m.payload else {
            return .failed("GetUserOofSettings of \(mailbox) answered NoError without OofSettings", [call.exchange], facts: facts)
        }
        facts["oof_state"] = oof.state ?? "(absent)"
        facts["external_audience"] = oof.externalAudience
        facts["allow_external_oof"] = oof.allowExternalOof
        guard let state = oof.state, ["Enabled", "Disabled", "Scheduled"].contains(state) else {
            return .failed("GetUserOofSettings of \(mailbox) gives OofState \(oof.state ?? "(absent)"), not Enabled, Disabled or Scheduled", [call.exchange], facts: facts)
        }
        if state == "Scheduled" {
            guard let from = oof.durationStart, let to = oof.durationEnd, to > from else {
                return .failed("GetUserOofSettings of \(mailbox) gives OofState Scheduled without a Duration whose end follows its start: when the automatic replies apply cannot be told",
                               [call.exchange], facts: facts)
            }
            facts["oof_scheduled_start"] = AvailabilityTime.utc(from)
            facts["oof_scheduled_end"] = AvailabilityTime.utc(to)
        }
        return .passed("GetUserOofSettings of \(mailbox) answers NoError: automatic replies are \(state)", [call.exchange], facts: facts)
    }

    func workingHours(_ mailbox: String) async -> Verdict {
        let start = Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60)
        do throws(VerdictBox) {
            let (view, x) = try await availability(mailbox, from: start, to: start.addingTimeInterval(86400)).get()
            var facts: [String: String] = [:]
            facts["view_type"] = view.viewType
            guard let hours = view.workingHours else {
                return .failed("GetUserAvailability (Detailed) of \(mailbox) gives no WorkingHours: when the user works, and in which time zone, cannot be told",
                               [x], facts: facts)
            }
            guard let bias = hours.timeZoneBias, hours.timeZoneComplete else {
                return .failed("GetUserAvailability of \(mailbox) gives WorkingHours without a complete TimeZone (Bias, StandardTime, DaylightTime)", [x], facts: facts)
            }
            facts["time_zone_bias_minutes"] = String(bias)
            facts["working_periods"] = hours.periods.map { p in
                "\(p.days): \(p.startMinutes.map(Self.clock) ?? "?")–\(p.endMinutes.map(Self.clock) ?? "?")"
            }.joined(separator: "; ")
            guard !hours.periods.isEmpty else {
                return .failed("GetUserAvailability of \(mailbox) gives WorkingHours without a WorkingPeriod", [x], facts: facts)
            }
            if let bad = hours.periods.first(where: { p in
                guard let s = p.startMinutes, let e = p.endMinutes else { return true }
                return p.days.trimmingCharacters(in: .whitespaces).isEmpty || s < 0 || e > 1440 || s >= e
            }) {
                return .failed("GetUserAvailability of \(mailbox) gives a WorkingPeriod that is not a span of named days (DayOfWeek \"\(bad.days)\", StartTimeInMinutes \(bad.startMinutes.map(String.init) ?? "(absent)"), EndTimeInMinutes \(bad.endMinutes.map(String.init) ?? "(absent)"))",
                               [x], facts: facts)
            }
            return .passed("GetUserAvailability of \(mailbox) gives working hours (\(facts["working_periods"] ?? "")) in a time zone of bias \(bias) minutes",
                           [x], facts: facts)
        } catch {
            return error.verdict
        }
    }

    /// GetUserAvailability (Detailed) of one mailbox, as itself, or the verdict saying why it cannot be read.
    private func availability(_ mailbox: String, from start: Date, to end: Date) async -> Result<(FreeBusyView, HTTPExchange?), VerdictBox> {
        let call = await client.perform(GetUserAvailability(mailboxes: [mailbox], start: start, end: end), impersonating: connectingSID(mailbox))
        let what = "GetUserAvailability of \(mailbox) from \(AvailabilityTime.utc(start)) to \(AvailabilityTime.utc(end))"
        guard call.messages.count == 1, let m = call.messages.first, m.responseClass == .success else {
            return .failure(VerdictBox(failure(of: call, doing: what)))
        }
        guard let view = m.payload else {
            return .failure(VerdictBox(.failed("\(what) answered \(m.responseCode) without a FreeBusyView", [call.exchange], facts: Self.callFacts(call))))
        }
        return .success((view, call.exchange))
    }

    /// Minutes after midnight as `HH:MM`.
    private static func clock(_ minutes: Int) -> String {
        let h = minutes / 60, m = minutes % 60
        return (h < 10 ? "0" : "") + "\(h):" + (m < 10 ? "0" : "") + "\(m)"
    }
}
