import EWSProtocol
import Foundation

/// How every item a run creates is marked, so that it can be found again by a later sweep or by
/// `ewscheck cleanup` even when the creating process was killed before it learnt the item's id:
/// a named string property in ewscheck's own property set holding the run id, and a subject marker.
package struct RunTag: Sendable, Hashable {
    /// ewscheck's property set (a fixed GUID: never change it, or older leftovers become invisible).
    package static let propertySetID = "6f9e3c2a-5b1d-4e8f-9a7c-2d4b6e8f0a13"
    /// The property that holds the run id.
    package static let property = ExtendedPropertyPath(propertySetID: propertySetID, name: "ewscheck-run-id", type: "String")

    /// The run id the tag carries.
    package let runID: String

    /// The tag of one run.
    package init(runID: String) { self.runID = runID }

    /// The marker put into the subject of every created item.
    package var subjectMarker: String { "[ewscheck \(runID)]" }

    /// The extended property to send with CreateItem.
    package var extendedProperty: (ExtendedPropertyPath, String) { (Self.property, runID) }

    /// When the run that wrote a tag value started, read from a generated run id
    /// (`20261126T170530Z-3f9a`); nil for ids chosen by hand.
    package static func startDate(ofRunID runID: String) -> Date? {
        let stamp = runID.prefix(16)
        guard stamp.count == 16 else { return nil }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return f.date(from: String(stamp))
    }
}
