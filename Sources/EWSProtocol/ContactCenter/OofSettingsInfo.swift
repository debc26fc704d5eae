import Foundation

/// What the suite reads of a mailbox's automatic-reply settings: state, audience and schedule.
/// The reply texts are the user's own words and are never read.
package struct OofSettingsInfo: Sendable, Hashable {
    /// `OofState` (`Enabled`, `Disabled`, `Scheduled`).
    package var state: String?
    /// `ExternalAudience` (`None`, `Known`, `All`).
    package var externalAudience: String?
    /// Whether a `Duration` is given.
    package var hasDuration: Bool
    /// `Duration/StartTime` as an instant.
    package var durationStart: Date?
    /// `Duration/EndTime` as an instant.
    package var durationEnd: Date?
    /// `AllowExternalOof`, beside the settings.
    package var allowExternalOof: String?
}
