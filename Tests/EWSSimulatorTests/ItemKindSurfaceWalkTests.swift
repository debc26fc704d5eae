@testable import EWSProtocol
@testable import EWSSimulator
import EWSTestSupport
import Foundation
import Testing

/// The calendar-item and contact properties of the v2017 schema, each sent on CreateItem: every
/// one is kept (it comes back on GetItem) or refused as Exchange refuses it; none is dropped.
@Suite struct ItemKindSurfaceWalkTests {
    struct Kind: Sendable, CustomStringConvertible {
        var element: String
        var type: String
        var prefix: String
        var create: String
        var description: String { element }
    }

    static let kinds = [
        Kind(element: "CalendarItem", type: "t:CalendarItemType", prefix: "calendar",
             create: #"<m:CreateItem SendMeetingInvitations="SendToNone"><m:SavedItemFolderId><t:DistinguishedFolderId Id="calendar"/></m:SavedItemFolderId><m:Items>"#),
        Kind(element: "Contact", type: "t:ContactItemType", prefix: "contacts",
             create: #"<m:CreateItem><m:SavedItemFolderId><t:DistinguishedFolderId Id="contacts"/></m:SavedItemFolderId><m:Items>"#),
    ]

    /// Codes a property may be refused with (a calendar end before the default start is one).
    static let refusals = RequestSurfaceWalkTests.refusals.union(["ErrorCalendarEndDateIsEarlierThanStartDate", "ErrorTimeZone"])

    @Test(arguments: kinds)
    func everyPropertyIsKeptOrRefused(_ kind: Kind) async throws {
        let schema = try SchemaSample(directory: Fixtures.ewsSchemaDirectory)
        // The generator does not expand the pattern and range groups of a recurrence.
        schema.complexOverrides["t:RecurrenceType"] = "<t:DailyRecurrence><t:Interval>1</t:Interval></t:DailyRecurrence><t:NumberedRecurrence><t:StartDate>2026-01-05</t:StartDate><t:NumberOfOccurrences>3</t:NumberOfOccurrences></t:NumberedRecurrence>"
        try await SimulatorSession.with { s in
            let itemProperties = Set(schema.slots(ofType: "t:ItemType").flatMap(\.options).map(\.name))
            var problems: [String] = []
            var kept: [String] = []
            for property in schema.slots(ofType: kind.type).flatMap(\.options) where !itemProperties.contains(property.name) {
                let sample = schema.sample(property)
                let a = try await s.send(s.envelope(kind.create + "<t:\(kind.element)>\(sample)</t:\(kind.element)></m:Items></m:CreateItem>", impersonate: "alice@contoso.com"))
                let walked = try await RequestSurfaceWalkTests.walk(property.name, sample: sample, in: kind.element, answer: a, refusals: Self.refusals) { id in
                    let extra = schema.fieldURI(for: property.name, prefixes: [kind.prefix]).map { "<t:AdditionalProperties><t:FieldURI FieldURI=\"\($0)\"/></t:AdditionalProperties>" } ?? ""
                    return try await s.getItem(id, shape: "<t:BaseShape>AllProperties</t:BaseShape>\(extra)")
                }
                switch walked {
                case .kept: kept.append(property.name)
                case .refused: break
                case .problem(let problem): problems.append(problem)
                }
            }
            #expect(kept.count >= 8, "kept: \(kept)")
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }

    /// The meeting response objects (AcceptItem, TentativelyAcceptItem, DeclineItem): every child
    /// the v2017 schema allows is honoured (ReferenceItemId names the meeting, MeetingResponseTests;
    /// Body, Sensitivity and the receipt requests become the response's own,
    /// MeetingResponseTests.aDeclineTakesTheMeetingOffTheAttendeesCalendar) or refused; none is dropped.
    @Test(arguments: ["AcceptItem", "TentativelyAcceptItem", "DeclineItem"])
    func everyResponseObjectChildIsHonouredOrRefused(_ element: String) async throws {
        let schema = try SchemaSample(directory: Fixtures.ewsSchemaDirectory)
        let honoured = EWSService.meetingResponseChildren
        try await SimulatorSession.with { s in
            let slots = schema.slots(ofType: "t:\(element)Type")
            var problems: [String] = []
            var walked = 0
            for (index, slot) in slots.enumerated() {
                for option in slot.options where !honoured.contains(option.name) {
                    // The invitation is answered again each time (a refusal leaves it as it was).
                    let ids = try await MeetingResponseTests.invite(s)
                    var body = ""
                    for (i, other) in slots.enumerated() {
                        if i == index { body += schema.sample(option) }
                        else if other.options.contains(where: { $0.name == "ReferenceItemId" }) { body += #"<t:ReferenceItemId Id="\#(ids.request)"/>"# }
                    }
                    walked += 1
                    let a = try await s.send(s.envelope(#"<m:CreateItem MessageDisposition="SendOnly"><m:Items><t:\#(element)>\#(body)</t:\#(element)></m:Items></m:CreateItem>"#, impersonate: "bob@contoso.com"))
                    if let fault = a.fault {
                        problems.append("\(option.name): fault \(fault.code)")
                    } else if a.codes.isEmpty || !a.codes.allSatisfy(RequestSurfaceWalkTests.refusals.contains) {
                        problems.append("\(option.name): answered \(a.codes) instead of a refusal")
                    }
                }
            }
            #expect(walked >= 10, "walked \(walked)")
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }
}
