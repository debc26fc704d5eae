extension CheckCatalog {
    static let presenceFreeBusy = CheckID("presence.free-busy")
    static let presenceOofSettings = CheckID("presence.oof-settings")
    static let presenceWorkingHours = CheckID("presence.working-hours")
}

extension CheckRegistry {
    /// Presence, per mailbox: an agent's state comes from the calendar (free/busy), the automatic
    /// replies (out of office) and the working hours, all read through the availability service.
    static let presenceFamily: [Check] = [
        Check(.init(id: CheckCatalog.presenceFreeBusy, title: "Free/busy shows a Busy appointment the suite created",
                    requirement: "A Busy calendar item the suite creates in the mailbox's Calendar for the next hour (tagged, no attendees) appears in GetUserAvailability (Detailed) of that mailbox over a window covering it as a CalendarEvent with BusyType Busy and the same start and end instants (whatever time-zone form the answer uses); the item is removed by the cleanup.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], perMailbox: true, changesMailbox: true,
                    tags: ["presence"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.freeBusy(mailbox)
        },
        Check(.init(id: CheckCatalog.presenceOofSettings, title: "Out-of-office settings can be read",
                    requirement: "GetUserOofSettings of the mailbox (impersonated) answers NoError with OofSettings whose OofState is Enabled, Disabled or Scheduled, and, when Scheduled, a Duration whose end follows its start; the state is recorded, the reply texts never are.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], perMailbox: true,
                    tags: ["presence"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.oofSettings(mailbox)
        },
        Check(.init(id: CheckCatalog.presenceWorkingHours, title: "Working hours and time zone are returned",
                    requirement: "GetUserAvailability (Detailed) of the mailbox over the next 24 hours answers NoError with WorkingHours carrying a TimeZone (Bias, StandardTime, DaylightTime) and at least one WorkingPeriod naming its days and a start before its end within the day; both are recorded.",
                    dependsOn: [CheckCatalog.impersonationGetFolder], perMailbox: true,
                    tags: ["presence"])) { suite, mailbox in
            guard let mailbox else { return .errored("no mailbox") }
            return await suite.workingHours(mailbox)
        },
    ]
}
