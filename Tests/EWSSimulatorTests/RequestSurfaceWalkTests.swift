@testable import EWSProtocol
@testable import EWSSimulator
import EWSTestSupport
import Foundation
import Testing

/// Walks the request elements of every operation the simulator implements, as the v2017 schema
/// defines them, and sends each one: it must be honoured (a message property round-trips; a
/// request element is one the simulator reads and another test proves) or refused the way
/// Exchange refuses. Nothing may be accepted and dropped, so a new gap cannot be silent.
@Suite struct RequestSurfaceWalkTests {
    /// Codes that mean "refused" (rather than a lookup failure of the sample's values).
    static let refusals: Set<String> = [
        "ErrorInvalidOperation", "ErrorInvalidPropertySet", "ErrorUnsupportedQueryFilter", "ErrorUnsupportedPathForQuery",
        "ErrorUnsupportedPathForSortGroup", "ErrorInvalidExtendedProperty", "ErrorUnsupportedMapiPropertyType",
        "ErrorInvalidRestriction", "ErrorMimeContentConversionFailed", "ErrorInvalidRecipients",
    ]

    /// Defaults for the required request parts, by element name.
    static func defaults(itemID: String) -> [String: String] {
        [
            "ItemShape": "<m:ItemShape><t:BaseShape>IdOnly</t:BaseShape></m:ItemShape>",
            "FolderShape": "<m:FolderShape><t:BaseShape>IdOnly</t:BaseShape></m:FolderShape>",
            "ParentFolderIds": #"<m:ParentFolderIds><t:DistinguishedFolderId Id="inbox"/></m:ParentFolderIds>"#,
            "FolderIds": #"<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds>"#,
            "ItemIds": #"<m:ItemIds><t:ItemId Id="\#(itemID)"/></m:ItemIds>"#,
            "Items": "<m:Items><t:Message><t:Subject>walk</t:Subject></t:Message></m:Items>",
            "AttachmentIds": #"<m:AttachmentIds><t:AttachmentId Id="\#(itemID)"/></m:AttachmentIds>"#,
            "SourceIds": #"<m:SourceIds><t:AlternateId Format="EwsId" Id="\#(itemID)" Mailbox="alice@contoso.com"/></m:SourceIds>"#,
        ]
    }

    static let attributes: [String: String] = [
        "FindItem": #" Traversal="Shallow""#, "FindFolder": #" Traversal="Shallow""#, "CreateItem": #" MessageDisposition="SaveOnly""#,
        "DeleteItem": #" DeleteType="SoftDelete""#, "ConvertId": #" DestinationFormat="HexEntryId""#,
    ]

    @Test func everyRequestElementIsHonouredOrRefused() async throws {
        let schema = try SchemaSample(directory: Fixtures.ewsSchemaDirectory)
        try await SimulatorSession.with { s in
            let itemID = try await s.createMessage("<t:Subject>walk target</t:Subject>")
            var problems: [String] = []
            var walked = 0
            for (operation, surface) in RequestSurface.operations.sorted(by: { $0.key < $1.key }) {
                guard let decl = schema.element("m:\(operation)"), let type = decl.type else {
                    problems.append("\(operation): not in the schema")
                    continue
                }
                let slots = schema.slots(ofType: type)
                let defaults = Self.defaults(itemID: itemID)
                for (index, slot) in slots.enumerated() {
                    for option in slot.options where !surface.children.contains(option.name) {
                        // Fill the other required slots with defaults, this one with the sample.
                        var body = ""
                        for (i, other) in slots.enumerated() {
                            if i == index {
                                body += schema.sample(option)
                            } else if !other.optional {
                                body += other.options.lazy.compactMap { defaults[$0.name] }.first ?? ""
                            }
                        }
                        walked += 1
                        let a = try await s.send(s.envelope("<m:\(operation)\(Self.attributes[operation] ?? "")>\(body)</m:\(operation)>", impersonate: "alice@contoso.com"))
                        if let fault = a.fault {
                            problems.append("\(operation)/\(option.name): fault \(fault.code) (sample: \(schema.sample(option).prefix(200)))")
                        } else if !a.codes.allSatisfy(Self.refusals.contains) || a.codes.isEmpty {
                            problems.append("\(operation)/\(option.name): answered \(a.codes) instead of a refusal")
                        }
                    }
                }
            }
            // One level down: the item shape of GetItem and FindItem.
            let honouredShape: Set<String> = ["BaseShape", "IncludeMimeContent", "BodyType", "AdditionalProperties",
                                              "ConvertHtmlCodePageToUTF8"]  // its default (true) is what the simulator does
            for option in schema.slots(ofType: "t:ItemResponseShapeType").flatMap(\.options) where !honouredShape.contains(option.name) {
                walked += 1
                let sample = schema.sample(option)
                let a = try await s.getItem(itemID, shape: "<t:BaseShape>IdOnly</t:BaseShape>" + sample)
                if let fault = a.fault {
                    problems.append("ItemShape/\(option.name): fault \(fault.code) (sample: \(sample.prefix(200)))")
                } else if a.codes.isEmpty || !a.codes.allSatisfy(Self.refusals.contains) {
                    problems.append("ItemShape/\(option.name): answered \(a.codes) instead of a refusal")
                }
            }
            #expect(walked > 10)
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }

    /// Every folder property of the schema asked for by FieldURI (and an indexed property): the ones the simulator honours come back on the Inbox and the Calendar (whose
    /// permissions are calendar permissions), in GetFolder, FindFolder and SyncFolderHierarchy; every
    /// other is refused in all three, never answered NoError without it.
    @Test func everyFolderPropertyIsHonouredOrRefused() async throws {
        let schema = try SchemaSample(directory: Fixtures.ewsSchemaDirectory)
        let uris = schema.fieldURIs(prefix: "folder")
        #expect(uris.count >= 16, "\(uris)")
        try await SimulatorSession.with { s in
            var problems: [String] = []
            var honoured: [String] = []
            func shape(_ path: String) -> String {
                "<m:FolderShape><t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties>\(path)</t:AdditionalProperties></m:FolderShape>"
            }
            let paths = uris.map { (name: $0, xml: #"<t:FieldURI FieldURI="\#($0)"/>"#) } + [
                (name: "IndexedFieldURI", xml: #"<t:IndexedFieldURI FieldURI="contacts:EmailAddress" FieldIndex="EmailAddress1"/>"#),
            ]
            for path in paths {
                let element = path.name.hasPrefix("folder:") ? String(path.name.dropFirst("folder:".count)) : nil
                let get = try await s.send(s.envelope(#"<m:GetFolder>\#(shape(path.xml))<m:FolderIds><t:DistinguishedFolderId Id="inbox"/><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>"#, impersonate: "alice@contoso.com"))
                let find = try await s.send(s.envelope(#"<m:FindFolder Traversal="Shallow">\#(shape(path.xml))<m:ParentFolderIds><t:DistinguishedFolderId Id="msgfolderroot"/></m:ParentFolderIds></m:FindFolder>"#, impersonate: "alice@contoso.com"))
                let sync = try await s.send(s.envelope(#"<m:SyncFolderHierarchy>\#(shape(path.xml))</m:SyncFolderHierarchy>"#, impersonate: "alice@contoso.com"))
                if get.fault != nil || find.fault != nil || sync.fault != nil {
                    problems.append("\(path.name): a fault (\([get, find, sync].compactMap { $0.fault?.code }))")
                    continue
                }
                let codes = get.codes + find.codes + sync.codes
                if codes.allSatisfy({ $0 == "NoError" }), let element {
                    // Honoured: on the Inbox and the Calendar (UnreadCount is not a calendar's), on every
                    // folder that has it in FindFolder and the sync, and on at least one there.
                    let got = get.messages.compactMap { $0.child("Folders")?.children.first }
                    let onBoth = got.count == 2 && got.allSatisfy { $0.child(element) != nil || (element == "UnreadCount" && $0.name == "CalendarFolder") }
                    let found = find.messages.first?.path("RootFolder", "Folders")?.children ?? []
                    let synced = (sync.messages.first?.path("Changes")?.children ?? []).compactMap { $0.children.first }
                    let everywhere = [found, synced].allSatisfy { folders in
                        folders.contains { $0.child(element) != nil }
                            && folders.allSatisfy { $0.child(element) != nil || !Self.everyFolderHas(path.name, kind: $0.name) }
                    }
                    if onBoth, everywhere { honoured.append(path.name) } else {
                        problems.append("\(path.name): NoError, but not returned (Inbox and Calendar: \(onBoth), FindFolder and sync: \(everywhere))")
                    }
                } else if !codes.allSatisfy({ $0 == "ErrorInvalidOperation" }) {
                    problems.append("\(path.name): answered GetFolder \(get.codes), FindFolder \(find.codes), SyncFolderHierarchy \(sync.codes)")
                }
            }
            #expect(Set(honoured) == FolderResponseShape.honoured, "honoured: \(honoured.sorted())")
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
            // The calendar's permissions are calendar permissions; the Inbox's are not.
            let both = try await s.send(s.envelope(#"<m:GetFolder>\#(shape(#"<t:FieldURI FieldURI="folder:PermissionSet"/>"#))<m:FolderIds><t:DistinguishedFolderId Id="inbox"/><t:DistinguishedFolderId Id="calendar"/></m:FolderIds></m:GetFolder>"#, impersonate: "alice@contoso.com"))
            let levels = both.messages.map { $0.child("Folders")?.children.first?.child("PermissionSet")?.children.first?.children.first?.children.last?.text }
            #expect(levels == ["None", "FreeBusyTimeOnly"])
            // Extended properties of a folder: the ones the store computes come back, with the values of
            // the named properties; one nothing set is left out, as Exchange leaves it out.
            let tags = [("0x3613", "String"), ("0x3001", "String"), ("0x3602", "Integer"), ("0x3603", "Integer"), ("0x360A", "Boolean"), ("0x6638", "Integer"), ("0x7FFF", "String")]
            let extended = tags.map { #"<t:ExtendedFieldURI PropertyTag="\#($0.0)" PropertyType="\#($0.1)"/>"# }.joined()
            let inbox = try await s.send(s.envelope(#"<m:GetFolder>\#(shape(extended + #"<t:FieldURI FieldURI="folder:ChildFolderCount"/><t:FieldURI FieldURI="folder:TotalCount"/><t:FieldURI FieldURI="folder:UnreadCount"/>"#))<m:FolderIds><t:DistinguishedFolderId Id="inbox"/></m:FolderIds></m:GetFolder>"#, impersonate: "alice@contoso.com"))
            let folder = inbox.messages.first?.child("Folders")?.children.first
            let values = (folder?.children("ExtendedProperty") ?? []).map { $0.child("Value")?.text ?? "" }
            let total = folder?.child("TotalCount")?.text ?? "?", unread = folder?.child("UnreadCount")?.text ?? "?", children = folder?.child("ChildFolderCount")?.text ?? "?"
            #expect(values == ["IPF.Note", "Inbox", total, unread, children == "0" ? "false" : "true", children], "\(inbox.text.suffix(1500))")
        }
    }

    /// Every item property of the schema asked for by FieldURI in GetItem's shape: one the simulator
    /// writes for some kind of item is accepted (the computed ones come back on a message), every other
    /// is refused, except the pinned ones exchangelib asks for on every fetch: properties no item here
    /// can have (refused when set; kinds never stored). Every computed property is written.
    @Test func everyItemPropertyAskedForIsWrittenOrRefused() async throws {
        let schema = try SchemaSample(directory: Fixtures.ewsSchemaDirectory)
        let uris = schema.fieldURIs(prefix: nil).filter { !$0.hasPrefix("folder:") }
        #expect(uris.count > 300, "\(uris.count)")
        #expect(ItemResponseShape.neverSet.count == 17 && ItemResponseShape.kindsNeverStored == ["task", "postitem", "distributionlist", "sharingMessage"])
        let computed = ["item:ResponseObjects", "item:EffectiveRights", "item:LastModifiedName", "item:IsAssociated", "item:ConversationId", "item:UniqueBody", "message:ConversationIndex",
                        "item:WebClientReadFormQueryString", "item:WebClientEditFormQueryString"]
        try await SimulatorSession.with { s in
            let id = try await s.createMessage("<t:Subject>walk target</t:Subject><t:Body BodyType=\"Text\">hello</t:Body>")
            // OWA's edit form is a draft's (a received message has none; a draft has no ResponseObjects).
            let draft = try await s.createMessage("<t:Subject>walk draft</t:Subject>", in: "drafts")
            var problems: [String] = []
            var accepted = 0
            for uri in uris {
                let target = uri == "item:WebClientEditFormQueryString" ? draft : id
                let a = try await s.getItem(target, shape: #"<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="\#(uri)"/></t:AdditionalProperties>"#)
                let accepts = ItemResponseShape.accepts(uri)
                if let fault = a.fault {
                    problems.append("\(uri): fault \(fault.code)")
                } else if accepts, a.codes != ["NoError"] {
                    problems.append("\(uri): written, but answered \(a.codes)")
                } else if !accepts, a.codes != ["ErrorInvalidOperation"] {
                    problems.append("\(uri): not written, but answered \(a.codes) instead of a refusal")
                } else if computed.contains(uri), a.messages.first?.path("Items", "Message", String(uri.split(separator: ":")[1])) == nil {
                    problems.append("\(uri): computed for every message, but not returned")
                }
                if accepts { accepted += 1 }
            }
            #expect(accepted > 100)
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
            // Items of one topic share a conversation; the index starts with its reserved byte and ends with the GUID.
            let other = try await s.createMessage("<t:Subject>walk target</t:Subject>")
            let shape = #"<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="item:ConversationId"/><t:FieldURI FieldURI="message:ConversationIndex"/></t:AdditionalProperties>"#
            let first = try await s.getItem(id, shape: shape).messages.first?.path("Items", "Message")
            let second = try await s.getItem(other, shape: shape).messages.first?.path("Items", "Message")
            let conversation = first?.child("ConversationId")?.attribute("Id")
            #expect(conversation != nil && conversation == second?.child("ConversationId")?.attribute("Id"))
            let index = Data(base64Encoded: first?.child("ConversationIndex")?.text ?? "").map([UInt8].init) ?? []
            #expect(index.count == 22 && index.first == 1)
            #expect(Array(index.suffix(16)) == Array(Data(base64Encoded: conversation ?? "").map([UInt8].init)?.suffix(16) ?? []))
        }
    }

    /// Properties that only some folders have: DistinguishedFolderId (well-known folders only),
    /// FolderClass (not the roots), ParentFolderId (not the root), UnreadCount (not calendars and
    /// contacts folders: their schema types have none).
    static func everyFolderHas(_ uri: String, kind: String) -> Bool {
        switch uri {
        case "folder:DistinguishedFolderId", "folder:FolderClass", "folder:ParentFolderId": false
        case "folder:UnreadCount": kind == "Folder" || kind == "TasksFolder" || kind == "SearchFolder"
        default: true
        }
    }

    /// The children of a push subscription request: each is honoured (FolderIds, EventTypes, URL:
    /// PushNotificationTests.newMailIsPushedWithItsIdsAndWatermarks; StatusFrequency:
    /// statusEventsArriveEveryStatusFrequency; Watermark: read as a pull subscription's,
    /// NotificationSyncTests) or refused.
    @Test func everyPushSubscriptionChildIsHonouredOrRefused() async throws {
        let schema = try SchemaSample(directory: Fixtures.ewsSchemaDirectory)
        let honoured: Set<String> = ["FolderIds", "EventTypes", "Watermark", "StatusFrequency", "URL"]
        let defaults = [
            "EventTypes": "<t:EventTypes><t:EventType>NewMailEvent</t:EventType></t:EventTypes>",
            "StatusFrequency": "<t:StatusFrequency>1</t:StatusFrequency>", "URL": "<t:URL>https://listener.contoso.com/</t:URL>",
        ]
        try await SimulatorSession.with { s in
            let slots = schema.slots(ofType: "t:PushSubscriptionRequestType")
            var problems: [String] = []
            var walked = 0
            for (index, slot) in slots.enumerated() {
                for option in slot.options where !honoured.contains(option.name) {
                    var body = ""
                    for (i, other) in slots.enumerated() {
                        if i == index { body += schema.sample(option) }
                        else if !other.optional { body += other.options.lazy.compactMap { defaults[$0.name] }.first ?? "" }
                    }
                    walked += 1
                    let a = try await s.send(s.envelope(#"<m:Subscribe><m:PushSubscriptionRequest SubscribeToAllFolders="true">\#(body)</m:PushSubscriptionRequest></m:Subscribe>"#, impersonate: "alice@contoso.com"))
                    if a.codes.isEmpty || !a.codes.allSatisfy(Self.refusals.contains) {
                        problems.append("PushSubscriptionRequest/\(option.name): answered \(a.codes) instead of a refusal")
                    }
                }
            }
            #expect(walked >= 1)
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }

    /// Every child of `PullSubscriptionRequest` and `StreamingSubscriptionRequest` in the schema is
    /// honoured, each proven below by its effect on the events reported, or refused; a child the
    /// schema gains without a proof here must be refused, or this fails.
    @Test func everyPullAndStreamingSubscriptionChildIsHonouredOrRefused() async throws {
        let schema = try SchemaSample(directory: Fixtures.ewsSchemaDirectory)
        let proven: [String: Set<String>] = [
            "PullSubscriptionRequest": ["FolderIds", "EventTypes", "Watermark", "Timeout"],
            "StreamingSubscriptionRequest": ["FolderIds", "EventTypes"],
        ]
        let defaults = ["EventTypes": "<t:EventTypes><t:EventType>NewMailEvent</t:EventType></t:EventTypes>", "Timeout": "<t:Timeout>5</t:Timeout>"]
        try await SimulatorSession.with { s in
            func subscribe(_ element: String, _ inner: String, folder: String? = "inbox") async throws -> (id: String, watermark: String?) {
                let target = folder.map { #"><t:FolderIds><t:DistinguishedFolderId Id="\#($0)"/></t:FolderIds>"# } ?? #" SubscribeToAllFolders="true">"#
                let a = try await s.send(s.envelope("<m:Subscribe><m:\(element)\(target)\(inner)</m:\(element)></m:Subscribe>", impersonate: "alice@contoso.com"))
                try #require(a.codes == ["NoError"], "\(element): \(a.text)")
                return (try #require(a.messages.first?.child("SubscriptionId")?.text), a.messages.first?.child("Watermark")?.text)
            }
            func events(_ element: String, _ sub: (id: String, watermark: String?)) async throws -> [XMLElement] {
                if element == "PullSubscriptionRequest" {
                    let a = try await NotificationSyncTests.events(s, sub.id, sub.watermark ?? "")
                    return (a.messages.first?.child("Notification")?.children ?? []).filter { $0.name.hasSuffix("Event") }
                }
                // What the stream's first envelope with events carries: all that happened before it opened.
                let streamed = try await SubscriptionLongRunTests.streamed(s, sub.id) { $0.contains("Event>") }
                #expect(streamed.ending == .clientClosed, "\(streamed.text.suffix(600))")
                return SubscriptionLongRunTests.events(streamed.messages)
            }
            var problems: [String] = []
            for (element, honoured) in proven {
                let slots = schema.slots(ofType: "t:\(element)Type")
                #expect(slots.count >= 2, "\(element)")
                for (index, slot) in slots.enumerated() {
                    for option in slot.options where !honoured.contains(option.name) {
                        var body = ""
                        for (i, other) in slots.enumerated() {
                            if i == index { body += schema.sample(option) }
                            else if !other.optional { body += other.options.lazy.compactMap { defaults[$0.name] }.first ?? "" }
                        }
                        let a = try await s.send(s.envelope(#"<m:Subscribe><m:\#(element) SubscribeToAllFolders="true">\#(body)</m:\#(element)></m:Subscribe>"#, impersonate: "alice@contoso.com"))
                        if a.codes.isEmpty || !a.codes.allSatisfy(Self.refusals.contains) {
                            problems.append("\(element)/\(option.name): answered \(a.codes) instead of a refusal")
                        }
                    }
                }
                // EventTypes: only the asked-for kind is reported (a delivery makes CreatedEvent and NewMailEvent).
                let newMailOnly = try await subscribe(element, "<t:EventTypes><t:EventType>NewMailEvent</t:EventType></t:EventTypes>" + (element == "PullSubscriptionRequest" ? "<t:Timeout>5</t:Timeout>" : ""))
                try await SubscriptionLongRunTests.sendMail(s, "\(element) event types")
                let onlyNewMail = try await events(element, newMailOnly).map(\.name)
                #expect(onlyNewMail == ["NewMailEvent"], "\(element)/EventTypes")
                // FolderIds: mail to the Inbox is not reported on a Drafts subscription; a new draft is.
                let drafts = try await subscribe(element, "<t:EventTypes><t:EventType>CreatedEvent</t:EventType><t:EventType>NewMailEvent</t:EventType></t:EventTypes>"
                                                 + (element == "PullSubscriptionRequest" ? "<t:Timeout>5</t:Timeout>" : ""), folder: "drafts")
                try await SubscriptionLongRunTests.sendMail(s, "\(element) not in drafts")
                let draft = try await s.createMessage("<t:Subject>\(element) draft</t:Subject>", in: "drafts")
                let inDrafts = try await events(element, drafts)
                #expect(inDrafts.map(\.name) == ["CreatedEvent"] && inDrafts.first?.child("ItemId")?.attribute("Id") == draft, "\(element)/FolderIds")
            }
            // Watermark (pull): a subscription resumed from a watermark reports what happened since it.
            let first = try await subscribe("PullSubscriptionRequest", "<t:EventTypes><t:EventType>NewMailEvent</t:EventType></t:EventTypes><t:Timeout>5</t:Timeout>")
            try await SubscriptionLongRunTests.sendMail(s, "after the watermark")
            let resumed = try await subscribe("PullSubscriptionRequest", "<t:EventTypes><t:EventType>NewMailEvent</t:EventType></t:EventTypes><t:Watermark>\(first.watermark ?? "")</t:Watermark><t:Timeout>5</t:Timeout>")
            let fresh = try await subscribe("PullSubscriptionRequest", "<t:EventTypes><t:EventType>NewMailEvent</t:EventType></t:EventTypes><t:Timeout>5</t:Timeout>")
            #expect(resumed.watermark == first.watermark)
            #expect(try await events("PullSubscriptionRequest", resumed).map(\.name) == ["NewMailEvent"], "Watermark: resumed")
            #expect(try await events("PullSubscriptionRequest", fresh).map(\.name) == ["StatusEvent"], "Watermark: none, nothing since subscribing")
            // Timeout (pull): used within its minutes it lives on; left longer, it is gone.
            let short = try await subscribe("PullSubscriptionRequest", "<t:EventTypes><t:EventType>NewMailEvent</t:EventType></t:EventTypes><t:Timeout>1</t:Timeout>")
            s.simulator.tenant.subscriptions.advanceClock(by: 50)
            let alive = try await NotificationSyncTests.events(s, short.id, short.watermark ?? "")
            s.simulator.tenant.subscriptions.advanceClock(by: 61)
            let expired = try await NotificationSyncTests.events(s, short.id, short.watermark ?? "")
            #expect(alive.codes == ["NoError"] && expired.codes == ["ErrorExpiredSubscription"], "Timeout: \(alive.codes) then \(expired.codes)")
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }

    /// Message properties covered by their own tests rather than a generic round trip.
    static let coveredElsewhere: Set<String> = [
        "MimeContent",        // ItemContentTests.mimeContentIsParsedAndReturned
        "ExtendedProperty",   // ExtendedPropertyTests
        "Attachments",        // SimulatorEWSTests.voicemailRoundTrip (file attachments), AttachmentTests (item attachments)
        "Body",               // ItemContentTests.simplePropertiesRoundTrip (BodyType attribute and text)
    ]

    @Test func everyMessagePropertyRoundTripsOrIsRefused() async throws {
        let schema = try SchemaSample(directory: Fixtures.ewsSchemaDirectory)
        try await SimulatorSession.with { s in
            var problems: [String] = []
            var honoured: [String] = []
            let properties = schema.slots(ofType: "t:MessageType").flatMap(\.options)
            for property in properties where !Self.coveredElsewhere.contains(property.name) {
                let sample = schema.sample(property)
                let a = try await s.tryCreate(sample)
                let walked = try await Self.walk(property.name, sample: sample, in: "Message", answer: a, refusals: Self.refusals) { id in
                    guard let uri = schema.fieldURI(for: property.name) else { return nil }
                    return try await s.getItem(id, shape: #"<t:BaseShape>IdOnly</t:BaseShape><t:AdditionalProperties><t:FieldURI FieldURI="\#(uri)"/></t:AdditionalProperties>"#)
                }
                switch walked {
                case .kept: honoured.append(property.name)
                case .refused: break
                case .problem(let problem): problems.append(problem)
                }
            }
            #expect(honoured.count >= 10, "honoured: \(honoured)")
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }

    /// What sending one property on CreateItem proved.
    enum Walked: Equatable {
        /// Accepted, and it came back as sent.
        case kept
        /// Refused with one of the codes Exchange refuses such a value with.
        case refused
        /// Faulted, refused with another code, dropped or changed: the line to report.
        case problem(String)
    }

    /// Judges `answer`, the simulator's answer to a CreateItem carrying `property` (as `sample`) in an
    /// `element`: a fault or a code outside `refusals` is a problem; an accepted property must come
    /// back from `readBack` (the new item's id → a GetItem answer, nil when it cannot be asked for)
    /// with the text sent. One judge for every surface walk, so they cannot drift apart.
    static func walk(_ property: String, sample: String, in element: String, answer a: SimulatorSession.Answer, refusals: Set<String>,
                     readBack: (String) async throws -> SimulatorSession.Answer?) async throws -> Walked {
        if let fault = a.fault { return .problem("\(property): fault \(fault.code) (sample \(sample.prefix(200)))") }
        guard a.codes == ["NoError"] else {
            return a.codes.allSatisfy(refusals.contains) ? .refused : .problem("\(property): answered \(a.codes)")
        }
        // Accepted: it must come back.
        guard let id = a.messages.first?.path("Items", element, "ItemId")?.attribute("Id") else { return .problem("\(property): accepted without an id") }
        guard let got = try await readBack(id) else { return .problem("\(property): accepted, but has no FieldURI to read it back") }
        let returned = got.messages.first?.path("Items", element, property)
        let sent = try XMLTree(parsing: Array("<r xmlns:t=\"\(EWSNamespace.types)\">\(sample)</r>".utf8)).root?.children.first
        if returned == nil { return .problem("\(property): accepted and dropped") }
        if let sent, !sameText(sent, returned) { return .problem("\(property): sent \(sent.text), got \(returned?.text ?? "")") }
        return .kept
    }

    /// Leaf texts agree (booleans and times in their canonical forms); for structured values every
    /// leaf sent comes back (Exchange adds its own, such as RoutingType).
    static func sameText(_ a: XMLElement, _ b: XMLElement?) -> Bool {
        guard let b else { return false }
        func norm(_ s: String) -> String {
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
            return XSBoolean.parse(t).map { $0 ? "true" : "false" } ?? t
        }
        func leaves(_ e: XMLElement) -> [String] { e.children.isEmpty ? [norm(e.text)] : e.children.flatMap(leaves) }
        if a.children.isEmpty { return norm(a.text) == norm(b.text) }
        let got = leaves(b)
        return leaves(a).allSatisfy(got.contains)
    }
}
