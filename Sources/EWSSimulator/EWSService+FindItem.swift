import EWSProtocol
import Foundation

extension EWSService {
    /// FindItem: restriction, AQS query string (simple forms), sort order and paging, each
    /// honoured or refused; grouping and the calendar and contacts views are refused.
    func findItem(_ request: XMLElement, _ context: RequestContext) throws -> String {
        let query: FindItemQuery
        do throws(EWSError) {
            query = try FindItemQuery(request)
        } catch {
            let messages = (request.child("ParentFolderIds")?.children ?? []).map { _ in SOAPWriter.error("FindItem", error) }
            return SOAPWriter.operationResponse("FindItem", messages: messages)
        }
        let messages = (request.child("ParentFolderIds")?.children ?? []).map { element -> String in
            switch resolveFolder(element, context) {
            case .success(let found):
                let all = query.associatedOnly ? [] : (tenant.withStore(found.mailbox) { $0.items(in: found.folder.id) } ?? [])
                if let view = query.calendarView {
                    guard found.folder.kind == "CalendarFolder" else {
                        return SOAPWriter.error("FindItem", EWSError("ErrorCalendarFolderIsInvalidForCalendarView", "The folder is not a calendar folder."))
                    }
                    let expanded = calendarView(all, start: view.start, end: view.end)
                    let page = Array(expanded.prefix(max(query.maxEntries, 0)))
                    let writer = itemWriter(query.shape, .findItem, mailbox: found.mailbox)
                    return SOAPWriter.success("FindItem", payload: "<m:RootFolder TotalItemsInView=\"\(expanded.count)\" IncludesLastItemInRange=\"\(page.count == expanded.count)\"><t:Items>" + page.map(writer.xml).joined() + "</t:Items></m:RootFolder>")
                }
                let matching = ItemSortKey.sort(all.filter { query.restriction?.matches($0) ?? true }, by: query.sort)
                let ordered = query.fromEnd ? Array(matching.reversed()) : matching
                let start = min(max(query.offset(total: ordered.count), 0), ordered.count)
                let page = Array(ordered[start..<min(ordered.count, start + max(query.maxEntries, 0))])
                let writer = itemWriter(query.shape, .findItem, mailbox: found.mailbox)
                let last = start + page.count >= ordered.count
                var attrs = "TotalItemsInView=\"\(matching.count)\" IncludesLastItemInRange=\"\(last)\""
                if query.paged && !last {
                    attrs = query.fractional
                        ? "NumeratorOffset=\"\(start + page.count)\" AbsoluteDenominator=\"\(ordered.count)\" " + attrs
                        : "IndexedPagingOffset=\"\(start + page.count)\" " + attrs
                }
                return SOAPWriter.success("FindItem", payload: "<m:RootFolder \(attrs)><t:Items>" + page.map(writer.xml).joined() + "</t:Items></m:RootFolder>")
            case .failure(let error):
                return SOAPWriter.error("FindItem", error)
            }
        }
        return SOAPWriter.operationResponse("FindItem", messages: messages)
    }

    func folderChangeKey(_ mailbox: String) -> (String) -> String {
        { [tenant] id in (tenant.withStore(mailbox) { $0.folders[id]?.changeKey } ?? nil) ?? "" }
    }

    /// The meetings of a mailbox's calendar (occurrences expanded) that overlap or touch a calendar
    /// item or meeting request's time, other than the meeting itself (its uid).
    func meetingsAround(_ mailbox: String) -> (StoredItem) -> [StoredItem] {
        { [self] item in
            guard let c = item.calendar else { return [] }
            let all = tenant.withStore(mailbox) { store in store.folder(distinguished: "calendar").map { store.items(in: $0.id) } ?? [] } ?? []
            return calendarView(all, start: c.start.addingTimeInterval(-1), end: c.end.addingTimeInterval(1))
                .filter { $0.calendar?.uid != c.uid && $0.calendar?.freeBusy != "Free" }
        }
    }

    /// The serializer for the items of one mailbox (folder change keys, owner, calendar around).
    func itemWriter(_ shape: ItemResponseShape, _ context: ItemSerializer.Context, mailbox: String) -> ItemSerializer {
        ItemSerializer(shape: shape, context: context, folderChangeKey: folderChangeKey(mailbox), owner: mailboxOwner(mailbox),
                       meetingsAround: meetingsAround(mailbox), owaURL: owaURL)
    }

    /// The owner of a mailbox as an address (name and SMTP address), for the properties that name
    /// them (LastModifiedName, ReceivedBy).
    func mailboxOwner(_ mailbox: String) -> StoredAddress {
        StoredAddress(name: tenant.user(primarySmtp: mailbox)?.displayName, email: mailbox)
    }
}

/// What a FindItem request asks for, read once (refusals are thrown as the message error).
struct FindItemQuery {
    var shape = ItemResponseShape()
    var restriction: ItemRestriction?
    var sort: [ItemSortKey] = []
    var maxEntries = Int.max
    var fixedOffset = 0
    var fraction: (numerator: Int, denominator: Int)?
    var fromEnd = false
    var paged = false
    var associatedOnly = false
    /// `CalendarView`: occurrences expanded in [start, end).
    var calendarView: (start: Date, end: Date)?

    var fractional: Bool { fraction != nil }

    func offset(total: Int) -> Int {
        guard let fraction, fraction.denominator > 0 else { return fixedOffset }
        return total * fraction.numerator / fraction.denominator
    }

    init(_ request: XMLElement) throws(EWSError) {
        switch request.attribute("Traversal") ?? "Shallow" {
        case "Shallow": break
        // The simulator creates no associated (hidden) items, so an associated view is empty.
        case "Associated": associatedOnly = true
        case let t: throw EWSError.notImplemented("FindItem Traversal=\"\(t)\"")
        }
        for child in request.children {
            switch child.name {
            case "ItemShape": shape = try ItemResponseShape(child)
            case "IndexedPageItemView":
                paged = true
                maxEntries = child.attribute("MaxEntriesReturned").flatMap { Int($0) } ?? Int.max
                fixedOffset = child.attribute("Offset").flatMap { Int($0) } ?? 0
                fromEnd = child.attribute("BasePoint") == "End"
            case "FractionalPageItemView":
                paged = true
                maxEntries = child.attribute("MaxEntriesReturned").flatMap { Int($0) } ?? Int.max
                let n = child.attribute("Numerator").flatMap { Int($0) } ?? 0
                let d = child.attribute("Denominator").flatMap { Int($0) } ?? 1
                guard d > 0, n >= 0, n <= d else { throw EWSError("ErrorInvalidPagingMaxRows", "The fractional paging values are invalid.") }
                fraction = (n, d)
            case "Restriction":
                let r = try RestrictionReader.restriction(child)
                restriction = restriction.map { .and([$0, r]) } ?? r
            case "SortOrder": sort = try RestrictionReader.sortOrder(child)
            case "QueryString":
                let r = try QueryStringReader.restriction(child.text)
                restriction = restriction.map { .and([$0, r]) } ?? r
            case "CalendarView":
                guard let start = child.attribute("StartDate").flatMap(XSDateTime.parse),
                      let end = child.attribute("EndDate").flatMap(XSDateTime.parse) else {
                    throw EWSError("ErrorInvalidRequest", "The CalendarView dates are invalid.")
                }
                guard end >= start else { throw EWSError("ErrorCalendarEndDateIsEarlierThanStartDate", "EndDate is earlier than StartDate") }
                guard end.timeIntervalSince(start) <= 2 * 366 * 86400 else {
                    throw EWSError("ErrorCalendarViewRangeTooBig", "The calendar view range is too big: at most two years.")
                }
                maxEntries = child.attribute("MaxEntriesReturned").flatMap { Int($0) } ?? Int.max
                calendarView = (start, end)
            case "ParentFolderIds": break
            default: throw EWSError.notImplemented("FindItem/\(child.name)")
            }
        }
        if calendarView != nil, restriction != nil || !sort.isEmpty {
            throw EWSError("ErrorInvalidRestriction", "Restrictions and sort order may not be specified for a CalendarView.")
        }
    }
}
